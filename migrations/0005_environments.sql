-- Deployment environments of a repository (GitLab environments), with the tier that says what they are
-- for (production, staging, testing, development, other): what a DORA profile picks production from.
CREATE TABLE cd_environments (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  repo_key       text NOT NULL,
  env_key        text NOT NULL,            -- the upstream's id
  name           text NOT NULL,
  tier           text,
  state          text,
  external_url   text,
  created_at     timestamptz,
  updated_at     timestamptz,
  PRIMARY KEY (tenant_id, integration_id, repo_key, env_key),
  FOREIGN KEY (tenant_id, integration_id, repo_key) REFERENCES scm_repos (tenant_id, integration_id, repo_key)
    ON DELETE CASCADE
);
