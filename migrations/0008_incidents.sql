-- Incidents from an incident source (GitLab incidents first): what change failure rate links a deployment
-- to when one is opened within its window. Keyed by tenant, then integration and the upstream's own key, so
-- an incident synced twice is one row. Not tied to scm_repos: an incident source need not be a repository
-- host, and replay rebuilds these rows on their own.
CREATE TABLE incidents (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  source         text NOT NULL,            -- the connector type, e.g. gitlab
  incident_key   text NOT NULL,            -- the upstream's stable key (GitLab: '<project id>#<iid>')
  upstream_id    text,                     -- the upstream's global id, when it has one
  repo_key       text,                     -- the repository it was raised in (GitLab project id, as scm_repos.repo_key)
  title          text NOT NULL,
  state          text NOT NULL,            -- as the upstream says it (GitLab: opened, closed)
  severity       text NOT NULL DEFAULT 'UNKNOWN', -- CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN
  labels         text[] NOT NULL DEFAULT '{}',
  -- The services it affects, from its `service::<name>` (scoped) labels.
  services       text[] NOT NULL DEFAULT '{}',
  web_url        text,
  opened_at      timestamptz NOT NULL,
  resolved_at    timestamptz,              -- set while it is closed; a reopened incident is unresolved again
  updated_at     timestamptz NOT NULL,     -- the upstream's last change
  PRIMARY KEY (tenant_id, integration_id, incident_key),
  FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX incidents_opened ON incidents (tenant_id, opened_at);
