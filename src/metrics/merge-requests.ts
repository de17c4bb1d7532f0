// Merge request flow: merged per interval, cycle time and its stages (coding, pickup, review, merge to
// deploy), size and reviews, over the merge requests merged in the window.
import type { Db } from '../store/db.js';
import { BUCKETS_AND_TOTAL, bucketsSql, splitTotal, TOTAL_COLUMN } from './buckets.js';
import { deploymentConditions, Params, type TeamScope } from './deployments.js';
import type { MetricQuery } from './dora.js';
import { prepareDora } from './materialize.js';

export interface MrFilters {
  repo?: string;
  author?: string;
  /** A team's name, echoed; its repositories narrow the merge requests. */
  team?: string;
  repositories?: string[];
}

const STAGES = ['cycle', 'coding', 'pickup', 'review', 'merge_to_deploy'] as const;
type Stage = (typeof STAGES)[number];

/**
 * One row per merge request merged in the window, with each stage in ms (null when it cannot be known):
 * coding from the first commit to opening, pickup from opening to the first review by someone else,
 * review from there to the merge, merge to deploy from the merge to the first successful production
 * deployment that shipped the merge (or squash, or head) commit; cycle from the first commit (else the
 * opening) to the merge.
 */
export function mergedSql(
  p: Params,
  q: Pick<MetricQuery, 'tenantId' | 'from' | 'to'>,
  f: MrFilters,
  deployedBy: MetricQuery['filters'] = {},
  deployedByTeam?: TeamScope,
): string {
  const t = p.add(q.tenantId);
  const where = [
    `m.tenant_id = ${t}`,
    'm.merged_at IS NOT NULL',
    `m.merged_at >= ${p.add(q.from)}`,
    `m.merged_at < ${p.add(q.to)}`,
  ];
  if (f.repo !== undefined) where.push(`r.full_path = ${p.add(f.repo)}`);
  if (f.author !== undefined) where.push(`m.author = ${p.add(f.author)}`);
  if (f.repositories !== undefined) where.push(`r.full_path = ANY(${p.add(f.repositories)}::text[])`);
  // Narrowing the deployments that count as shipping it (lead time's filters).
  const shippedBy = deploymentConditions(p, 's', q.tenantId, deployedBy, deployedByTeam).join(' AND ');
  const ms = (a: string, b: string) => `(extract(epoch FROM ${b} - ${a}) * 1000)::float8`;
  return `SELECT m.repo_key, r.full_path AS repo, m.mr_key, m.title, m.author, m.created_at, m.merged_at,
      m.first_commit_at, m.first_review_at, m.approvals, m.review_comments, m.web_url,
      dep.deployed_at,
      ${ms('COALESCE(LEAST(m.first_commit_at, m.created_at), m.created_at)', 'm.merged_at')} AS cycle_ms,
      CASE WHEN m.first_commit_at IS NULL THEN NULL
           WHEN m.first_commit_at < m.created_at THEN ${ms('m.first_commit_at', 'm.created_at')} ELSE 0 END AS coding_ms,
      CASE WHEN m.first_review_at IS NOT NULL THEN greatest(${ms('m.created_at', 'm.first_review_at')}, 0) END AS pickup_ms,
      CASE WHEN m.first_review_at IS NOT NULL THEN greatest(${ms('m.first_review_at', 'm.merged_at')}, 0) END AS review_ms,
      CASE WHEN dep.deployed_at IS NOT NULL THEN greatest(${ms('m.merged_at', 'dep.deployed_at')}, 0) END AS merge_to_deploy_ms,
      (SELECT count(*) FROM scm_merge_request_commits mc WHERE mc.tenant_id = m.tenant_id
         AND mc.integration_id = m.integration_id AND mc.repo_key = m.repo_key AND mc.mr_key = m.mr_key)::int AS commits,
      (SELECT sum(COALESCE(c.additions, 0) + COALESCE(c.deletions, 0)) FROM scm_merge_request_commits mc
         JOIN scm_commits c ON c.tenant_id = mc.tenant_id AND c.integration_id = mc.integration_id
           AND c.repo_key = mc.repo_key AND c.sha = mc.sha
         WHERE mc.tenant_id = m.tenant_id AND mc.integration_id = m.integration_id AND mc.repo_key = m.repo_key
           AND mc.mr_key = m.mr_key)::int AS lines_changed
    FROM scm_merge_requests m
    JOIN scm_repos r ON r.tenant_id = m.tenant_id AND r.integration_id = m.integration_id AND r.repo_key = m.repo_key
    LEFT JOIN LATERAL (
      -- The first production deployment that shipped the merge (materialize.ts keeps these current).
      SELECT min(s.deployed_at) AS deployed_at FROM dora_changes s
      WHERE ${shippedBy} AND s.sha IN (m.merge_commit_sha, m.squash_commit_sha, m.head_sha)
    ) dep ON true
    WHERE ${where.join(' AND ')}`;
}

export interface MrAnswer {
  metric: 'merge_requests';
  window: { from: Date; to: Date };
  time_zone: string;
  interval: MetricQuery['interval'];
  filters: MrFilters;
  merged: number;
  open_at_end: number;
  stages: Record<Stage, { p50_ms: number | null; p90_ms: number | null; count: number }>;
  size: { commits_p50: number | null; lines_changed_p50: number | null };
  reviews: { comments_p50: number | null; approvals_avg: number | null; merged_without_review: number };
  series: { bucket: string; start: Date; merged: number; cycle_p50_ms: number | null }[];
}

const pct = (col: string, f: number) => `(percentile_cont(${f}) WITHIN GROUP (ORDER BY ${col}))::float8`;

export async function mergeRequestFlow(db: Db, q: MetricQuery, f: MrFilters): Promise<MrAnswer> {
  await prepareDora(db, q.tenantId, { changes: true });
  const p = new Params();
  const merged = mergedSql(p, q, f);
  const b = bucketsSql(p, q);
  const stageCols = STAGES.map(
    (st) =>
      `${pct(`x.${st}_ms`, 0.5)} AS ${st}_p50, ${pct(`x.${st}_ms`, 0.9)} AS ${st}_p90, count(x.${st}_ms)::int AS ${st}_n`,
  ).join(', ');
  // The series and the totals in one statement: the merged merge requests (and what shipped them) are read once.
  const rows = await db.query<Record<string, number | null> & { is_total: boolean; bucket: string; start: Date }>(
    `WITH x AS (${merged}), ${b.cte}
     SELECT ${TOTAL_COLUMN}, ${b.label}, count(x.mr_key)::int AS merged, ${stageCols},
       ${pct('x.commits', 0.5)} AS commits_p50, ${pct('x.lines_changed', 0.5)} AS lines_p50,
       ${pct('x.review_comments', 0.5)} AS comments_p50, avg(x.approvals)::float8 AS approvals_avg,
       count(x.mr_key) FILTER (WHERE x.first_review_at IS NULL)::int AS unreviewed
     FROM buckets b LEFT JOIN x ON ${b.of('x.merged_at')} = b.bucket
     ${BUCKETS_AND_TOTAL}`,
    p.values,
  );
  const { series, total: t } = splitTotal(rows);
  const p3 = new Params();
  const openWhere = [`m.tenant_id = ${p3.add(q.tenantId)}`, `m.created_at < ${p3.add(q.to)}`];
  if (f.repo !== undefined) openWhere.push(`r.full_path = ${p3.add(f.repo)}`);
  if (f.author !== undefined) openWhere.push(`m.author = ${p3.add(f.author)}`);
  if (f.repositories !== undefined) openWhere.push(`r.full_path = ANY(${p3.add(f.repositories)}::text[])`);
  const [open] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM scm_merge_requests m
     JOIN scm_repos r ON r.tenant_id = m.tenant_id AND r.integration_id = m.integration_id AND r.repo_key = m.repo_key
     WHERE ${openWhere.join(' AND ')}
       AND COALESCE(m.merged_at, m.closed_at, 'infinity'::timestamptz) >= ${p3.add(q.to)}`,
    p3.values,
  );
  const stages = Object.fromEntries(
    STAGES.map((s) => [
      s,
      { p50_ms: t?.[`${s}_p50`] ?? null, p90_ms: t?.[`${s}_p90`] ?? null, count: t?.[`${s}_n`] ?? 0 },
    ]),
  ) as MrAnswer['stages'];
  const { repositories: _covered, ...shown } = f;
  return {
    metric: 'merge_requests',
    window: { from: q.from, to: q.to },
    time_zone: q.timeZone,
    interval: q.interval,
    filters: shown,
    merged: t?.['merged'] ?? 0,
    open_at_end: open?.n ?? 0,
    stages,
    size: { commits_p50: t?.['commits_p50'] ?? null, lines_changed_p50: t?.['lines_p50'] ?? null },
    reviews: {
      comments_p50: t?.['comments_p50'] ?? null,
      approvals_avg: t?.['approvals_avg'] ?? null,
      merged_without_review: t?.['unreviewed'] ?? 0,
    },
    series: series.map((r) => ({
      bucket: r.bucket,
      start: r.start,
      merged: r['merged'] ?? 0,
      cycle_p50_ms: r['cycle_p50'] ?? null,
    })),
  };
}
