-- How long a run waited for a runner before it started, where the source says (GitLab queued_duration).
ALTER TABLE cicd_runs ADD COLUMN queued_ms bigint;
