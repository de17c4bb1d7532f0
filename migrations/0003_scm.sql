-- Source control, from connectors (GitLab first): repositories, commits, merge requests with their
-- commits and review events. Keyed by tenant, then integration and the upstream's own keys, so a
-- record synced twice is one row, and a distributed PostgreSQL can shard on tenant_id.

CREATE TABLE scm_repos (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  repo_key       text NOT NULL,            -- the upstream's stable id (GitLab project id)
  full_path      text NOT NULL,            -- e.g. acme/payments/checkout
  name           text NOT NULL,
  default_branch text,
  web_url        text,
  visibility     text,
  archived       boolean NOT NULL DEFAULT false,
  created_at     timestamptz,
  last_activity_at timestamptz,
  -- Set when the upstream stops answering for it (deleted, or no longer visible to the credentials);
  -- its history stays, and it is synced again if it comes back.
  gone_at        timestamptz,
  gone_reason    text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, integration_id, repo_key),
  FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX scm_repos_path ON scm_repos (tenant_id, full_path);

CREATE TABLE scm_commits (
  tenant_id       text NOT NULL,
  integration_id  bigint NOT NULL,
  repo_key        text NOT NULL,
  sha             text NOT NULL,
  title           text,
  message         text,
  author_name     text,
  author_email    text,
  authored_at     timestamptz,
  committer_name  text,
  committer_email text,
  committed_at    timestamptz,
  parent_shas     text[] NOT NULL DEFAULT '{}',
  additions       integer,
  deletions       integer,
  web_url         text,
  -- Seen on the default branch (not only inside a merge request).
  on_default_branch boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, integration_id, repo_key, sha),
  FOREIGN KEY (tenant_id, integration_id, repo_key) REFERENCES scm_repos (tenant_id, integration_id, repo_key)
    ON DELETE CASCADE
);
CREATE INDEX scm_commits_sha ON scm_commits (tenant_id, sha);
CREATE INDEX scm_commits_time ON scm_commits (tenant_id, integration_id, repo_key, committed_at);

CREATE TABLE scm_merge_requests (
  tenant_id         text NOT NULL,
  integration_id    bigint NOT NULL,
  repo_key          text NOT NULL,
  mr_key            text NOT NULL,         -- number within the repository (GitLab iid)
  upstream_id       text,
  title             text NOT NULL,
  state             text NOT NULL,         -- opened, merged, closed, locked
  draft             boolean NOT NULL DEFAULT false,
  author            text,
  source_branch     text,
  target_branch     text,
  head_sha          text,
  merge_commit_sha  text,
  squash_commit_sha text,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  merged_at         timestamptz,
  closed_at         timestamptz,
  merged_by         text,
  first_commit_at   timestamptz,
  first_review_at   timestamptz,           -- the first comment or approval by someone other than the author
  first_approval_at timestamptz,
  approvals         integer NOT NULL DEFAULT 0,
  review_comments   integer NOT NULL DEFAULT 0,
  reviewers         text[] NOT NULL DEFAULT '{}',
  labels            text[] NOT NULL DEFAULT '{}',
  web_url           text,
  PRIMARY KEY (tenant_id, integration_id, repo_key, mr_key),
  FOREIGN KEY (tenant_id, integration_id, repo_key) REFERENCES scm_repos (tenant_id, integration_id, repo_key)
    ON DELETE CASCADE
);
CREATE INDEX scm_merge_requests_merged ON scm_merge_requests (tenant_id, merged_at);

CREATE TABLE scm_merge_request_commits (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  repo_key       text NOT NULL,
  mr_key         text NOT NULL,
  sha            text NOT NULL,
  ordinal        integer NOT NULL,
  PRIMARY KEY (tenant_id, integration_id, repo_key, mr_key, sha),
  FOREIGN KEY (tenant_id, integration_id, repo_key, mr_key)
    REFERENCES scm_merge_requests (tenant_id, integration_id, repo_key, mr_key) ON DELETE CASCADE
);
CREATE INDEX scm_merge_request_commits_sha ON scm_merge_request_commits (tenant_id, sha);

-- Review events of a merge request: comments, approvals, system notes that matter for timings.
CREATE TABLE scm_merge_request_events (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  repo_key       text NOT NULL,
  mr_key         text NOT NULL,
  event_key      text NOT NULL,            -- the upstream note id
  kind           text NOT NULL CHECK (kind IN ('comment', 'approval', 'unapproval', 'system')),
  actor          text,
  created_at     timestamptz NOT NULL,
  body           text,
  PRIMARY KEY (tenant_id, integration_id, repo_key, mr_key, event_key),
  FOREIGN KEY (tenant_id, integration_id, repo_key, mr_key)
    REFERENCES scm_merge_requests (tenant_id, integration_id, repo_key, mr_key) ON DELETE CASCADE
);

-- CI/CD runs pulled from a source-control connector point at their repository.
ALTER TABLE cicd_runs ADD COLUMN repo_key text;
