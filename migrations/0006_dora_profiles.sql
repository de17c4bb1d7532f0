-- A tenant's DORA profile: what counts as a production deployment and as a failure. Absent = defaults.
CREATE TABLE dora_profiles (
  tenant_id  text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  profile    jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
-- Deployments are read by finish time within a tenant.
CREATE INDEX cicd_runs_cd_end ON cicd_runs (tenant_id, end_time) WHERE cd;
