import {
  type DomainCommit,
  type DomainEnvironment,
  type DomainMergeRequest,
  type DomainRepo,
  type GoneRepo,
  reviewSummary,
} from '../domain/scm.js';
import { markChangesDirty } from '../metrics/materialize.js';
import { type Queryable, valuesList } from './db.js';

export interface ScmTarget {
  tenantId: string;
  integrationId: string;
}

/** The last item of each key, in order: a multi-row upsert may touch a row only once. */
function lastByKey<T>(items: T[], key: (t: T) => string): T[] {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    out.delete(k);
    out.set(k, item);
  }
  return [...out.values()];
}

/** One multi-row statement per chunk, under PostgreSQL's 65,535 parameter limit. */
async function upsertRows(
  tx: Queryable,
  sql: (values: string) => string,
  columns: number,
  rows: unknown[][],
): Promise<void> {
  const perChunk = Math.floor(60_000 / columns);
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await tx.query(sql(valuesList(chunk.length, columns)), chunk.flat());
  }
}

/** Repositories as listed upstream; one that was gone and is listed again is back. */
export async function upsertRepos(tx: Queryable, t: ScmTarget, repos: DomainRepo[]): Promise<void> {
  const rows = lastByKey(repos, (r) => r.repoKey).map((r) => [
    t.tenantId,
    t.integrationId,
    r.repoKey,
    r.fullPath,
    r.name,
    r.defaultBranch,
    r.webUrl,
    r.visibility,
    r.archived,
    r.createdAt,
    r.lastActivityAt,
  ]);
  await upsertRows(
    tx,
    (values) => `INSERT INTO scm_repos (tenant_id, integration_id, repo_key, full_path, name, default_branch, web_url,
         visibility, archived, created_at, last_activity_at)
       VALUES ${values}
       ON CONFLICT (tenant_id, integration_id, repo_key) DO UPDATE SET full_path = EXCLUDED.full_path,
         name = EXCLUDED.name, default_branch = EXCLUDED.default_branch, web_url = EXCLUDED.web_url,
         visibility = EXCLUDED.visibility, archived = EXCLUDED.archived, created_at = EXCLUDED.created_at,
         last_activity_at = EXCLUDED.last_activity_at, gone_at = NULL, gone_reason = NULL, updated_at = now()`,
    11,
    rows,
  );
}

/** Marks repositories the upstream no longer answers for; their history stays. */
export async function markReposGone(tx: Queryable, t: ScmTarget, gone: GoneRepo[]): Promise<void> {
  for (const g of lastByKey(gone, (r) => r.repoKey)) {
    await tx.query(
      `UPDATE scm_repos SET gone_at = COALESCE(gone_at, now()), gone_reason = $4, updated_at = now()
       WHERE tenant_id = $1 AND integration_id = $2 AND repo_key = $3`,
      [t.tenantId, t.integrationId, g.repoKey, g.reason],
    );
  }
}

/**
 * Commits; what one source knows is never erased by a thinner one (a merge request's commit list
 * has no stats), and a commit once seen on the default branch stays so.
 */
export async function upsertCommits(tx: Queryable, t: ScmTarget, commits: DomainCommit[]): Promise<void> {
  // A commit that arrives (or changes) can extend what deployments after it shipped.
  if (commits.length > 0) {
    const since = commits.reduce(
      (min, c) => Math.min(min, c.authoredAt?.getTime() ?? Infinity, c.committedAt?.getTime() ?? Infinity),
      Infinity,
    );
    await markChangesDirty(tx, t.tenantId, Number.isFinite(since) ? new Date(since) : 'always');
  }
  const rows = lastByKey(commits, (c) => `${c.repoKey}\0${c.sha}`).map((c) => [
    t.tenantId,
    t.integrationId,
    c.repoKey,
    c.sha,
    c.title,
    c.message,
    c.authorName,
    c.authorEmail,
    c.authoredAt,
    c.committerName,
    c.committerEmail,
    c.committedAt,
    c.parentShas,
    c.additions,
    c.deletions,
    c.webUrl,
    c.onDefaultBranch,
  ]);
  const keep = (col: string) => `${col} = COALESCE(EXCLUDED.${col}, scm_commits.${col})`;
  await upsertRows(
    tx,
    (values) => `INSERT INTO scm_commits (tenant_id, integration_id, repo_key, sha, title, message, author_name,
         author_email, authored_at, committer_name, committer_email, committed_at, parent_shas, additions, deletions,
         web_url, on_default_branch)
       VALUES ${values}
       ON CONFLICT (tenant_id, integration_id, repo_key, sha) DO UPDATE SET
         ${[
           'title',
           'message',
           'author_name',
           'author_email',
           'authored_at',
           'committer_name',
           'committer_email',
           'committed_at',
           'additions',
           'deletions',
           'web_url',
         ]
           .map(keep)
           .join(', ')},
         parent_shas = CASE WHEN cardinality(EXCLUDED.parent_shas) > 0 THEN EXCLUDED.parent_shas
                            ELSE scm_commits.parent_shas END,
         on_default_branch = scm_commits.on_default_branch OR EXCLUDED.on_default_branch, updated_at = now()`,
    17,
    rows,
  );
}

/** Merge requests with their review summary; their commit lists and events are replaced. */
export async function upsertMergeRequests(tx: Queryable, t: ScmTarget, mrs: DomainMergeRequest[]): Promise<void> {
  const unique = lastByKey(mrs, (m) => `${m.repoKey}\0${m.mrKey}`);
  if (unique.length === 0) return;
  await upsertCommits(
    tx,
    t,
    unique.flatMap((m) => m.commits),
  );
  const rows = unique.map((m) => {
    const r = reviewSummary(m);
    return [
      t.tenantId,
      t.integrationId,
      m.repoKey,
      m.mrKey,
      m.upstreamId,
      m.title,
      m.state,
      m.draft,
      m.author,
      m.sourceBranch,
      m.targetBranch,
      m.headSha,
      m.mergeCommitSha,
      m.squashCommitSha,
      m.createdAt,
      m.updatedAt,
      m.mergedAt,
      m.closedAt,
      m.mergedBy,
      r.firstCommitAt,
      r.firstReviewAt,
      r.firstApprovalAt,
      r.approvals,
      r.reviewComments,
      r.reviewers,
      m.labels,
      m.webUrl,
    ];
  });
  const columns = [
    'tenant_id',
    'integration_id',
    'repo_key',
    'mr_key',
    'upstream_id',
    'title',
    'state',
    'draft',
    'author',
    'source_branch',
    'target_branch',
    'head_sha',
    'merge_commit_sha',
    'squash_commit_sha',
    'created_at',
    'updated_at',
    'merged_at',
    'closed_at',
    'merged_by',
    'first_commit_at',
    'first_review_at',
    'first_approval_at',
    'approvals',
    'review_comments',
    'reviewers',
    'labels',
    'web_url',
  ];
  const set = columns
    .slice(4)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  await upsertRows(
    tx,
    (values) => `INSERT INTO scm_merge_requests (${columns.join(', ')}) VALUES ${values}
       ON CONFLICT (tenant_id, integration_id, repo_key, mr_key) DO UPDATE SET ${set}`,
    columns.length,
    rows,
  );
  for (const table of ['scm_merge_request_commits', 'scm_merge_request_events']) {
    await tx.query(
      `DELETE FROM ${table} WHERE tenant_id = $1 AND integration_id = $2
         AND (repo_key, mr_key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
      [t.tenantId, t.integrationId, unique.map((m) => m.repoKey), unique.map((m) => m.mrKey)],
    );
  }
  await upsertRows(
    tx,
    (values) => `INSERT INTO scm_merge_request_commits (tenant_id, integration_id, repo_key, mr_key, sha, ordinal)
       VALUES ${values} ON CONFLICT DO NOTHING`,
    6,
    unique.flatMap((m) => m.commits.map((c, i) => [t.tenantId, t.integrationId, m.repoKey, m.mrKey, c.sha, i])),
  );
  await upsertRows(
    tx,
    (values) => `INSERT INTO scm_merge_request_events (tenant_id, integration_id, repo_key, mr_key, event_key, kind,
         actor, created_at, body)
       VALUES ${values} ON CONFLICT DO NOTHING`,
    9,
    unique.flatMap((m) =>
      m.events.map((e) => [
        t.tenantId,
        t.integrationId,
        m.repoKey,
        m.mrKey,
        e.eventKey,
        e.kind,
        e.actor,
        e.createdAt,
        e.body,
      ]),
    ),
  );
}

/** Environments as listed upstream. */
export async function upsertEnvironments(tx: Queryable, t: ScmTarget, envs: DomainEnvironment[]): Promise<void> {
  const rows = lastByKey(envs, (e) => `${e.repoKey}\0${e.envKey}`).map((e) => [
    t.tenantId,
    t.integrationId,
    e.repoKey,
    e.envKey,
    e.name,
    e.tier,
    e.state,
    e.externalUrl,
    e.createdAt,
    e.updatedAt,
  ]);
  await upsertRows(
    tx,
    (values) => `INSERT INTO cd_environments (tenant_id, integration_id, repo_key, env_key, name, tier, state,
         external_url, created_at, updated_at)
       VALUES ${values}
       ON CONFLICT (tenant_id, integration_id, repo_key, env_key) DO UPDATE SET name = EXCLUDED.name,
         tier = EXCLUDED.tier, state = EXCLUDED.state, external_url = EXCLUDED.external_url,
         created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
    10,
    rows,
  );
}
