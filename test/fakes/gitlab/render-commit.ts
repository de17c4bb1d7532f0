// Commits (`Entities::Commit`, with `stats` on request, and `CommitDetail` for a single commit). Git dates
// carry the committer's offset.

import type { Commit, Pipeline, Project } from './model.js';
import { pipelineBasic } from './render-pipeline.js';
import type { Json } from './render-user.js';
import { gitDate } from './time.js';

export function commitJson(commit: Commit, project: Project, base: string, withStats = false): Json {
  return {
    id: commit.sha,
    short_id: commit.sha.slice(0, 8),
    created_at: gitDate(commit.committedAt, commit.committer.tz),
    parent_ids: commit.parents,
    title: commit.title,
    message: commit.message,
    author_name: commit.author.name,
    author_email: commit.author.email,
    authored_date: gitDate(commit.authoredAt, commit.author.tz),
    committer_name: commit.committer.name,
    committer_email: commit.committer.email,
    committed_date: gitDate(commit.committedAt, commit.committer.tz),
    trailers: {},
    extended_trailers: {},
    web_url: `${base}/${project.pathWithNamespace}/-/commit/${commit.sha}`,
    ...(withStats ? { stats: stats(commit) } : {}),
  };
}

function stats(commit: Commit): Json {
  return { additions: commit.additions, deletions: commit.deletions, total: commit.additions + commit.deletions };
}

/** `GET /repository/commits/:sha`: stats by default, and the latest pipeline for the commit. */
export function commitDetail(
  commit: Commit,
  project: Project,
  base: string,
  last: Pipeline | null,
  t: number,
  withStats: boolean,
): Json {
  const basic = last ? pipelineBasic(last, base, t) : null;
  return {
    ...commitJson(commit, project, base, withStats),
    status: basic ? basic.status : null,
    project_id: project.id,
    last_pipeline: basic,
  };
}
