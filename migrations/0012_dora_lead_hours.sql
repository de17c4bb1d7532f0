-- Lead time read fast: per UTC hour and deployment dimensions, the lead times of the changes first shipped
-- in that hour (float8, big-endian, ascending, as float8send writes them), how many changes have no known
-- commit time, and how many deployments shipped them. Rebuilt from dora_changes by every refresh of the
-- changes, from the hour of its earliest dirty mark on. Exact: a query takes the whole hours of its window
-- from here and the partial hours at its edges from dora_changes, and computes the percentiles itself.
CREATE TABLE dora_lead_hours (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  hour        timestamptz NOT NULL,
  source      text NOT NULL,
  pipeline    text NOT NULL,
  service     text NOT NULL,
  environment text NOT NULL,
  changes     int NOT NULL,
  unknown     int NOT NULL,
  deployments int NOT NULL,
  leads       bytea NOT NULL,
  PRIMARY KEY (tenant_id, hour, source, pipeline, service, environment)
);

-- Existing tenants: the next refresh of the changes rebuilds everything (and so fills this table).
INSERT INTO dora_changes_dirty (tenant_id, since) SELECT tenant_id, '-infinity' FROM dora_state;
