// What the DORA metrics read, kept up to date as data arrives rather than worked out at every query:
// - dora_deployments: the production deployment attempts under the tenant's profile. Refreshed for the
//   runs of each ingest or sync batch (inside its transaction), rebuilt when the profile changes.
// - dora_changes: the commits each successful deployment shipped, and which deployment shipped each first.
//   A batch of runs or commits appends a "dirty since" mark; the next reader (a lead time query, the sync
//   worker after a job) recomputes the deployments from that time on, in one statement.
// - dora_lead_hours: the lead times of dora_changes packed per hour (lead-hours.ts), rebuilt with them.
// Advisory locks keep a profile rebuild and the batches' refreshes apart (a batch computed under the old
// profile can never land after the rebuild), and let one refresher of the changes run at a time.
import type { Db, Queryable } from '../store/db.js';
import { Params } from './deployments.js';
import { refreshLeadHours } from './lead-hours.js';
import { type DoraProfile, loadProfile, saveProfile } from './profile.js';

// How many commits one deployment's walk may take in (a runaway history is cut, not followed for ever).
const MAX_DEPTH = 2000;
const FOREIGN_KEY_VIOLATION = '23503';

async function lock(tx: Queryable, name: string, tenantId: string, shared = false): Promise<void> {
  const fn = shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.query(`SELECT ${fn}(hashtext($1)::bigint)`, [`sei:dora:${name}:${tenantId}`]);
}

/**
 * The live definition of a production deployment, from the runs (a CTE body with `id, source, pipeline,
 * result, at, start_time, service, environment, failed`): a CD run with a counted result that targets a
 * production environment (by type or name), or a webhook run without targets when the profile says webhook
 * CD runs are production. Narrowed to some runs (`runIds`, a bigint[] placeholder) or a finish window.
 */
export function productionDeploymentsSql(
  p: Params,
  tenantId: string,
  profile: DoraProfile,
  narrow: { runIds?: string; from?: Date; to?: Date } = {},
): string {
  const types = p.add(profile.production_environment_types.map((t) => t.toLowerCase()));
  const names = p.add(profile.production_environments);
  const prod = `(lower(x.environment_type) = ANY(${types}::text[]) OR x.environment = ANY(${names}::text[]))`;
  const where = [
    `r.tenant_id = ${p.add(tenantId)}`,
    'r.cd',
    'r.end_time IS NOT NULL',
    `r.result = ANY(${p.add(profile.counted_results)}::text[])`,
  ];
  if (narrow.runIds !== undefined) where.push(`r.id = ANY(${narrow.runIds}::bigint[])`);
  if (narrow.from !== undefined) where.push(`r.end_time >= ${p.add(narrow.from)}`);
  if (narrow.to !== undefined) where.push(`r.end_time < ${p.add(narrow.to)}`);
  if (profile.sources.length > 0) where.push(`r.source = ANY(${p.add(profile.sources)}::text[])`);
  if (profile.pipelines.length > 0) where.push(`r.pipeline = ANY(${p.add(profile.pipelines)}::text[])`);
  // Webhook CD runs posted without targets count as production when the profile says so.
  const webhook = profile.webhook_cd_is_production ? 'OR (r.instance_guid IS NOT NULL AND NOT t.targeted)' : '';
  return `SELECT r.id, r.source, r.pipeline, r.result, r.end_time AS at, r.start_time,
        COALESCE(t.service, r.pipeline) AS service, COALESCE(t.environment, 'production') AS environment,
        (r.result = ANY(${p.add(profile.failure_results)}::text[]) OR COALESCE(r.cfr_status, false)) AS failed
      FROM cicd_runs r
      -- One look at the run's targets: whether it has any, and its first production one.
      LEFT JOIN LATERAL (
        SELECT count(*) > 0 AS targeted, bool_or(${prod}) AS production,
          (array_agg(x.service ORDER BY x.ordinal) FILTER (WHERE ${prod}))[1] AS service,
          (array_agg(x.environment ORDER BY x.ordinal) FILTER (WHERE ${prod}))[1] AS environment
        FROM cicd_run_deploy_targets x
        WHERE x.tenant_id = r.tenant_id AND x.run_id = r.id
      ) t ON true
      WHERE ${where.join(' AND ')} AND (COALESCE(t.production, false) ${webhook})`;
}

const DEPLOYMENT_COLUMNS = 'source, pipeline, service, environment, result, start_time, at, failed';

/** Records that the changes shipped from `since` on may be out of date. */
export async function markChangesDirty(tx: Queryable, tenantId: string, since: Date | 'always'): Promise<void> {
  await tx.query('INSERT INTO dora_changes_dirty (tenant_id, since) VALUES ($1, $2::timestamptz)', [
    tenantId,
    since === 'always' ? '-infinity' : since,
  ]);
}

/**
 * After a batch of runs was written (in its transaction): their production deployment rows follow them, and
 * the changes are marked dirty from `since` (the batch's earliest run time) when the batch can change what a
 * deployment shipped: a deployment added, changed or gone, or runs listing commits (a CI run can be the
 * build a later deployment's artifact points to).
 */
export async function refreshDeployments(
  tx: Queryable,
  tenantId: string,
  runIds: number[],
  since: Date | null,
  listsCommits: boolean,
): Promise<void> {
  if (runIds.length === 0) return;
  await lock(tx, 'deployments', tenantId, true);
  const built = await tx.query('SELECT 1 FROM dora_state WHERE tenant_id = $1', [tenantId]);
  if (built.length === 0) return; // the first metric query builds them all
  const profile = await loadProfile(tx, tenantId);
  const p = new Params();
  const t = p.add(tenantId);
  const ids = p.add(runIds);
  const live = productionDeploymentsSql(p, tenantId, profile, { runIds: ids });
  const [r] = await tx.query<{ old_at: Date | null; gone_at: Date | null; put_at: Date | null; changed: number }>(
    `WITH fresh AS (${live}),
      old AS (SELECT min(at) AS at FROM dora_deployments WHERE tenant_id = ${t} AND run_id = ANY(${ids}::bigint[])),
      gone AS (
        DELETE FROM dora_deployments x WHERE x.tenant_id = ${t} AND x.run_id = ANY(${ids}::bigint[])
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.id = x.run_id)
        RETURNING x.at
      ),
      put AS (
        INSERT INTO dora_deployments (tenant_id, run_id, ${DEPLOYMENT_COLUMNS})
        SELECT ${t}, id, ${DEPLOYMENT_COLUMNS} FROM fresh
        ON CONFLICT (tenant_id, run_id) DO UPDATE SET
          ${DEPLOYMENT_COLUMNS.split(', ')
            .map((c) => `${c} = EXCLUDED.${c}`)
            .join(', ')}
        WHERE (${DEPLOYMENT_COLUMNS.split(', ')
          .map((c) => `dora_deployments.${c}`)
          .join(', ')}) IS DISTINCT FROM (${DEPLOYMENT_COLUMNS.split(', ')
          .map((c) => `EXCLUDED.${c}`)
          .join(', ')})
        RETURNING at
      )
    SELECT (SELECT at FROM old) AS old_at, (SELECT min(at) FROM gone) AS gone_at, (SELECT min(at) FROM put) AS put_at,
      ((SELECT count(*) FROM gone) + (SELECT count(*) FROM put))::int AS changed`,
    p.values,
  );
  const times = [since, ...(r!.changed > 0 ? [r!.old_at, r!.gone_at, r!.put_at] : [])].filter(
    (d): d is Date => d !== null,
  );
  if ((r!.changed > 0 || listsCommits) && times.length > 0) {
    await markChangesDirty(tx, tenantId, new Date(Math.min(...times.map((d) => d.getTime()))));
  }
}

async function rebuild(tx: Queryable, tenantId: string, profile: DoraProfile): Promise<void> {
  await tx.query('DELETE FROM dora_changes WHERE tenant_id = $1', [tenantId]);
  await tx.query('DELETE FROM dora_deployments WHERE tenant_id = $1', [tenantId]);
  const p = new Params();
  const t = p.add(tenantId);
  const live = productionDeploymentsSql(p, tenantId, profile);
  await tx.query(
    `INSERT INTO dora_deployments (tenant_id, run_id, ${DEPLOYMENT_COLUMNS})
     SELECT ${t}, id, ${DEPLOYMENT_COLUMNS} FROM (${live}) d`,
    p.values,
  );
  // Fresh statistics, or the planner keeps its picture of an empty table (quadratic plans: 149 s instead of 4 s
  // for 100,000 runs on PGlite, which has no autovacuum).
  await tx.query('ANALYZE dora_deployments');
  await tx.query(
    `INSERT INTO dora_state (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO UPDATE SET built_at = now()`,
    [tenantId],
  );
  await markChangesDirty(tx, tenantId, 'always');
}

/** Saves a profile and rebuilds the deployments under it, in one transaction: metrics follow it at once. */
export async function applyProfile(db: Db, tenantId: string, profile: DoraProfile): Promise<void> {
  await db.transaction(async (tx) => {
    await lock(tx, 'deployments', tenantId);
    await saveProfile(tx, tenantId, profile);
    await rebuild(tx, tenantId, profile);
  });
}

/**
 * Makes the DORA tables current for a tenant before a metric reads them: builds the deployments the first
 * time (a new tenant, or data from before these tables), and with `changes`, brings the shipped changes up
 * to date.
 */
export async function prepareDora(db: Db, tenantId: string, opts: { changes?: boolean } = {}): Promise<void> {
  const built = await db.query('SELECT 1 FROM dora_state WHERE tenant_id = $1', [tenantId]);
  if (built.length === 0) {
    await db.transaction(async (tx) => {
      await lock(tx, 'deployments', tenantId);
      const again = await tx.query('SELECT 1 FROM dora_state WHERE tenant_id = $1', [tenantId]);
      if (again.length === 0) await rebuild(tx, tenantId, await loadProfile(tx, tenantId));
    });
  }
  if (opts.changes === true) await refreshChanges(db, tenantId);
}

/**
 * Recomputes the changes of the successful deployments finished since the earliest dirty mark: each ships
 * the commits listed on it (for one that lists none: those of the successful CI run that put out the
 * artifact it takes in, by name and qualifier, or that built the commit its artifact is tagged with, as
 * Harness CD image tags are) and, where the repository is connected, their
 * ancestors back to what an earlier deployment of the same service and environment listed. The first
 * deployment of a service and environment is blamed only for the commits listed on it, not for the history
 * before it. A commit is `first` at the earliest deployment that shipped it.
 */
export async function refreshChanges(db: Db, tenantId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (tx) => {
        await lock(tx, 'changes', tenantId);
        // As text, so that -infinity (everything) goes back into the statements unchanged.
        const [marks] = await tx.query<{ ids: string[] | null; since: string | null }>(
          'SELECT array_agg(id)::text[] AS ids, min(since)::text AS since FROM dora_changes_dirty WHERE tenant_id = $1',
          [tenantId],
        );
        if (marks?.ids === null || marks?.ids === undefined || marks.since === null) return;
        await tx.query('DELETE FROM dora_changes WHERE tenant_id = $1 AND deployed_at >= $2::timestamptz', [
          tenantId,
          marks.since,
        ]);
        const p = new Params();
        const full = marks.since === '-infinity';
        await tx.query(changesInsertSql(p, tenantId, full ? null : marks.since), p.values);
        if (full) await tx.query('ANALYZE dora_changes');
        await refreshLeadHours(tx, tenantId, marks.since);
        // Only the marks read: a batch committed meanwhile keeps its mark for the next refresh.
        await tx.query('DELETE FROM dora_changes_dirty WHERE tenant_id = $1 AND id = ANY($2::bigint[])', [
          tenantId,
          marks.ids,
        ]);
      });
      return;
    } catch (err) {
      // A batch removed a deployment this refresh was writing changes for: its mark asks for another pass.
      if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION || attempt >= 3) throw err;
    }
  }
}

/** The INSERT of the changes of the deployments finished since `since` (null: all of them, none kept). */
function changesInsertSql(p: Params, tenantId: string, since: string | null): string {
  const t = p.add(tenantId);
  // Kept rows (before `since`) stop walks and ship commits first; a full refresh keeps none.
  const kept = (condition: string) =>
    since === null ? '' : `AND NOT EXISTS (SELECT 1 FROM dora_changes o WHERE o.tenant_id = ${t} AND ${condition})`;
  return `WITH RECURSIVE
      dd AS (
        SELECT d.run_id AS dep, d.source, d.pipeline, d.at, d.service, d.environment,
          EXISTS (
            SELECT 1 FROM dora_deployments e
            WHERE e.tenant_id = ${t} AND e.service = d.service AND e.environment = d.environment
              AND e.result = 'success' AND (e.at, e.run_id) < (d.at, d.run_id)
          ) AS has_prev
        FROM dora_deployments d WHERE d.tenant_id = ${t} AND d.result = 'success'
          ${since === null ? '' : `AND d.at >= ${p.add(since)}::timestamptz`}
      ),
      tagged AS (
        -- A deployment that lists no commits but deploys an artifact tagged with a commit SHA (Harness CD:
        -- image:1a2b3c4) ships what the CI run that built that commit lists.
        SELECT dd.dep, lower(substring(a.name from ':([0-9a-fA-F]{7,40})$')) AS prefix
        FROM dd JOIN cicd_run_artifacts a ON a.tenant_id = ${t} AND a.run_id = dd.dep
        WHERE NOT EXISTS (SELECT 1 FROM cicd_run_commits x WHERE x.tenant_id = ${t} AND x.run_id = dd.dep)
          AND a.name ~ ':[0-9a-fA-F]{7,40}$'
      ),
      built AS (
        SELECT DISTINCT tg.dep, bc.commit_sha AS sha
        FROM tagged tg
        CROSS JOIN LATERAL (
          SELECT m.run_id FROM cicd_run_commits m
          JOIN cicd_runs cr ON cr.tenant_id = m.tenant_id AND cr.id = m.run_id AND cr.ci AND cr.result = 'success'
          WHERE m.tenant_id = ${t} AND m.commit_sha >= tg.prefix AND m.commit_sha < tg.prefix || 'g'
          ORDER BY cr.start_time DESC LIMIT 1
        ) ci
        JOIN cicd_run_commits bc ON bc.tenant_id = ${t} AND bc.run_id = ci.run_id
      ),
      named AS (
        -- A deployment that lists no commits but takes in an artifact by name and qualifier (web 1.4.2)
        -- ships what the latest successful CI run that put out that artifact before it lists.
        SELECT DISTINCT dd.dep, bc.commit_sha AS sha
        FROM dd JOIN cicd_run_artifacts a ON a.tenant_id = ${t} AND a.run_id = dd.dep
        CROSS JOIN LATERAL (
          SELECT o.run_id FROM cicd_run_artifacts o
          JOIN cicd_runs cr ON cr.tenant_id = o.tenant_id AND cr.id = o.run_id AND cr.ci AND cr.result = 'success'
          WHERE o.tenant_id = ${t} AND o.name = a.name AND o.qualifier IS NOT DISTINCT FROM a.qualifier
            AND COALESCE(o.output, false) AND o.run_id <> dd.dep AND cr.start_time <= dd.at
          ORDER BY cr.start_time DESC LIMIT 1
        ) ci
        JOIN cicd_run_commits bc ON bc.tenant_id = ${t} AND bc.run_id = ci.run_id
        WHERE a.name IS NOT NULL AND NOT COALESCE(a.output, false)
          AND NOT EXISTS (SELECT 1 FROM cicd_run_commits x WHERE x.tenant_id = ${t} AND x.run_id = dd.dep)
      ),
      heads AS (
        SELECT dd.*, c.commit_sha AS sha FROM dd JOIN cicd_run_commits c ON c.tenant_id = ${t} AND c.run_id = dd.dep
        UNION
        SELECT dd.*, b.sha FROM dd JOIN built b ON b.dep = dd.dep
        UNION
        SELECT dd.*, b.sha FROM dd JOIN named b ON b.dep = dd.dep
      ),
      walk (dep, source, pipeline, at, service, environment, has_prev, sha, depth) AS (
        SELECT dep, source, pipeline, at, service, environment, has_prev, sha, 0 FROM heads
        UNION
        SELECT w.dep, w.source, w.pipeline, w.at, w.service, w.environment, w.has_prev, par.sha, w.depth + 1
        FROM walk w
        -- One index lookup per commit of the frontier (a hash of every commit at each step costs far more).
        CROSS JOIN LATERAL (
          SELECT c.parent_shas FROM scm_commits c WHERE c.tenant_id = ${t} AND c.sha = w.sha LIMIT 1
        ) sc
        CROSS JOIN LATERAL unnest(sc.parent_shas) AS par(sha)
        -- Stop at what an earlier deployment of the same service and environment listed: one being
        -- recomputed here (an anti-join the planner can hash), or one before (kept rows, by index).
        LEFT JOIN heads e ON e.sha = par.sha AND e.service = w.service AND e.environment = w.environment
          AND e.at < w.at
        WHERE w.has_prev AND w.depth < ${MAX_DEPTH} AND e.dep IS NULL
          ${kept('o.sha = par.sha AND o.head AND o.service = w.service AND o.environment = w.environment')}
      ),
      ranked AS (
        SELECT DISTINCT ON (dep, sha) dep, source, pipeline, at, service, environment, sha, depth = 0 AS head
        FROM walk ORDER BY dep, sha, depth
      ),
      marked AS (
        -- Kept rows are all earlier than the recomputed ones.
        SELECT r.*, row_number() OVER (PARTITION BY r.sha ORDER BY r.at, r.dep) = 1 ${kept('o.sha = r.sha')} AS first
        FROM ranked r
      ),
      timed AS (
        SELECT m.*, ct.committed_at
        FROM marked m
        -- Once per change (a lateral column, not an expression repeated where it is used).
        LEFT JOIN LATERAL (
          SELECT COALESCE(
            (SELECT min(COALESCE(c.authored_at, c.committed_at)) FROM scm_commits c
             WHERE c.tenant_id = ${t} AND c.sha = m.sha),
            -- Only for commits no connected repository knows: what the run that listed it said (Harness CI).
            (SELECT min(rc.committed_at) FROM cicd_run_commits rc WHERE rc.tenant_id = ${t} AND rc.commit_sha = m.sha)
          ) AS committed_at
          WHERE m.first
        ) ct ON true
      )
    INSERT INTO dora_changes (tenant_id, run_id, sha, source, pipeline, service, environment, deployed_at, head, first,
      committed_at, lead_ms)
    SELECT ${t}, dep, sha, source, pipeline, service, environment, at, head, first, committed_at,
      CASE WHEN committed_at IS NOT NULL THEN greatest(extract(epoch FROM at - committed_at) * 1000, 0)::float8 END
    FROM timed`;
}
