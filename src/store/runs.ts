import type { DomainRun } from '../domain/cicd-run.js';
import { NotFoundError } from '../core/errors.js';
import { refreshDeployments } from '../metrics/materialize.js';
import { type Queryable, valuesList } from './db.js';

export interface UpsertResult {
  id: string;
  status: 'created' | 'updated';
}

export interface RunTarget {
  tenantId: string;
  integrationId: string;
  source: string;
}

const CHILD_TABLES = [
  'cicd_run_stages',
  'cicd_run_commits',
  'cicd_run_artifacts',
  'cicd_run_params',
  'cicd_run_deploy_targets',
] as const;

const WRITE_COLUMNS = [
  'tenant_id',
  'integration_id',
  'instance_guid',
  'source',
  'run_key',
  'execution_id',
  'pipeline',
  'job_full_name',
  'qualified_name',
  'instance_name',
  'instance_url',
  'project_name',
  'user_id',
  'repo_url',
  'build_number',
  'branch_name',
  'module_name',
  'result',
  'result_raw',
  'start_time',
  'end_time',
  'duration_ms',
  'ci',
  'cd',
  'cfr_status',
  'themes',
  'web_url',
  'trigger_chain',
  'trigger_type',
  'repo_key',
  'queued_ms',
] as const;
const KEY_COLUMNS = new Set(['tenant_id', 'instance_guid', 'run_key']);
const UPDATE_SET = WRITE_COLUMNS.filter((c) => !KEY_COLUMNS.has(c))
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

function runValues(tenantId: string, item: RunItem): unknown[] {
  const { run } = item;
  return [
    tenantId,
    item.integrationId,
    run.instanceGuid,
    item.source,
    run.runKey,
    run.executionId,
    run.pipeline,
    run.jobFullName,
    run.qualifiedName,
    run.instanceName,
    run.instanceUrl,
    run.projectName,
    run.userId,
    run.repoUrl,
    run.buildNumber,
    run.branchName,
    run.moduleName,
    run.result,
    run.resultRaw,
    run.startTime,
    run.endTime,
    run.durationMs,
    run.ci,
    run.cd,
    run.cfrStatus,
    run.themes,
    run.webUrl,
    JSON.stringify(run.triggerChain),
    run.triggerType ?? null,
    run.repoKey ?? null,
    run.queuedMs ?? null,
  ];
}

/** One run to store, with the integration it belongs to. */
export interface RunItem {
  integrationId: string;
  source: string;
  run: DomainRun;
}

// Webhook runs are keyed within their instance, connector runs within their integration.
const identity = (i: { integrationId: string; instanceGuid: string | null; runKey: string }) =>
  i.instanceGuid === null ? `i:${i.integrationId}:${i.runKey}` : `g:${i.instanceGuid}:${i.runKey}`;

/**
 * Inserts or updates runs and replaces their child rows, a few statements for the whole batch (one
 * upsert per key kind, one delete and one insert per child table); call inside a transaction. Answers one
 * result per item, in order, as if they were stored one after another: a key given twice is stored
 * once, with its last version, and its later occurrences answer "updated".
 */
export async function upsertRuns(tx: Queryable, tenantId: string, items: RunItem[]): Promise<UpsertResult[]> {
  const lastOf = new Map<string, RunItem>();
  for (const item of items) {
    const key = identity({ ...item, instanceGuid: item.run.instanceGuid, runKey: item.run.runKey });
    lastOf.delete(key); // keep insertion order at the last occurrence
    lastOf.set(key, item);
  }
  const unique = [...lastOf.values()];
  const stored = new Map<string, { id: number; revision: number }>();
  for (const webhook of [false, true]) {
    const group = unique.filter((u) => (u.run.instanceGuid !== null) === webhook);
    const conflict = webhook
      ? '(tenant_id, instance_guid, run_key)'
      : '(tenant_id, integration_id, run_key) WHERE instance_guid IS NULL';
    const perChunk = Math.floor(60_000 / WRITE_COLUMNS.length);
    for (let i = 0; i < group.length; i += perChunk) {
      const chunk = group.slice(i, i + perChunk);
      // In INSERT ... VALUES each value takes its column's type (jsonb, timestamptz): no casts needed.
      const values = valuesList(chunk.length, WRITE_COLUMNS.length);
      const rows = await tx.query<{
        id: number;
        revision: number;
        integration_id: string;
        instance_guid: string | null;
        run_key: string;
      }>(
        `INSERT INTO cicd_runs (${WRITE_COLUMNS.join(', ')}) VALUES ${values}
         ON CONFLICT ${conflict} DO UPDATE SET ${UPDATE_SET}, revision = cicd_runs.revision + 1, updated_at = now()
         RETURNING id, revision, integration_id::text AS integration_id, instance_guid::text AS instance_guid, run_key`,
        chunk.flatMap((c) => runValues(tenantId, c)),
      );
      for (const r of rows) {
        stored.set(identity({ integrationId: r.integration_id, instanceGuid: r.instance_guid, runKey: r.run_key }), {
          id: r.id,
          revision: r.revision,
        });
      }
    }
  }
  const updated = [...stored.values()].filter((r) => r.revision > 1).map((r) => r.id);
  if (updated.length > 0) {
    for (const table of CHILD_TABLES) {
      await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND run_id = ANY($2::bigint[])`, [tenantId, updated]);
    }
  }
  await insertChildren(
    tx,
    tenantId,
    unique.map((u) => ({
      runId: stored.get(identity({ ...u, instanceGuid: u.run.instanceGuid, runKey: u.run.runKey }))!.id,
      run: u.run,
    })),
  );
  // The DORA tables follow: these runs' deployment rows, and a dirty mark for what deployments shipped.
  await refreshDeployments(
    tx,
    tenantId,
    [...stored.values()].map((r) => r.id),
    new Date(unique.reduce((min, u) => Math.min(min, u.run.startTime.getTime()), Infinity)),
    unique.some((u) => u.run.commits.length > 0),
  );
  const seen = new Set<string>();
  return items.map((item) => {
    const key = identity({ ...item, instanceGuid: item.run.instanceGuid, runKey: item.run.runKey });
    const row = stored.get(key)!;
    const first = !seen.has(key);
    seen.add(key);
    return { id: String(row.id), status: first && row.revision === 1 ? 'created' : 'updated' };
  });
}

async function insertRows(tx: Queryable, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  // Nothing to insert: no statement. Chunked so one statement stays well under PostgreSQL's 65,535 parameter limit.
  const perChunk = Math.floor(60_000 / columns.length);
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await tx.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(chunk.length, columns.length)}`,
      chunk.flat(),
    );
  }
}

type RunRef = { runId: number; run: DomainRun };

/** The child rows of many runs: one multi-row insert per table (chunked under the parameter limit). */
async function insertChildren(tx: Queryable, tenantId: string, runs: RunRef[]): Promise<void> {
  const rows = (make: (r: RunRef) => unknown[][]): unknown[][] => runs.flatMap(make);
  const stages = rows(({ runId, run }) =>
    run.stages.map((s, i) => [
      tenantId,
      runId,
      i,
      s.name,
      s.description,
      s.result,
      s.state,
      s.durationMs,
      s.identifier ?? null,
      s.stageType ?? null,
      s.startTime ?? null,
      s.endTime ?? null,
    ]),
  );
  await insertRows(
    tx,
    'cicd_run_stages',
    [
      'tenant_id',
      'run_id',
      'ordinal',
      'name',
      'description',
      'result',
      'state',
      'duration_ms',
      'identifier',
      'stage_type',
      'start_time',
      'end_time',
    ],
    stages,
  );
  await insertRows(
    tx,
    'cicd_run_steps',
    ['tenant_id', 'run_id', 'stage_ordinal', 'ordinal', 'name', 'description', 'result', 'state', 'duration_ms'],
    rows(({ runId, run }) =>
      run.stages.flatMap((s, si) =>
        s.steps.map((st, i) => [tenantId, runId, si, i, st.name, st.description, st.result, st.state, st.durationMs]),
      ),
    ),
  );
  await insertRows(
    tx,
    'cicd_run_commits',
    ['tenant_id', 'run_id', 'commit_sha', 'ordinal', 'message', 'author', 'author_email', 'committed_at'],
    // A commit listed twice on one run (an upstream that repeats one) is stored once, where it first appears.
    rows(({ runId, run }) =>
      run.commits
        .filter((c, i, all) => all.findIndex((x) => x.sha === c.sha) === i)
        .map((c, i) => [
          tenantId,
          runId,
          c.sha,
          i,
          c.message ?? null,
          c.author ?? null,
          c.authorEmail ?? null,
          c.committedAt ?? null,
        ]),
    ),
  );
  await insertRows(
    tx,
    'cicd_run_deploy_targets',
    ['tenant_id', 'run_id', 'ordinal', 'service', 'environment', 'environment_type', 'infrastructure'],
    rows(({ runId, run }) =>
      (run.deployTargets ?? []).map((t, i) => [
        tenantId,
        runId,
        i,
        t.service,
        t.environment,
        t.environmentType,
        t.infrastructure,
      ]),
    ),
  );
  await insertRows(
    tx,
    'cicd_run_artifacts',
    ['tenant_id', 'run_id', 'ordinal', 'input', 'output', 'type', 'location', 'name', 'qualifier', 'hash', 'metadata'],
    rows(({ runId, run }) =>
      run.artifacts.map((a, i) => [
        tenantId,
        runId,
        i,
        a.input,
        a.output,
        a.type,
        a.location,
        a.name,
        a.qualifier,
        a.hash,
        a.metadata === null ? null : JSON.stringify(a.metadata),
      ]),
    ),
  );
  await insertRows(
    tx,
    'cicd_run_params',
    ['tenant_id', 'run_id', 'ordinal', 'type', 'name', 'value', 'value_type'],
    rows(({ runId, run }) => run.params.map((p, i) => [tenantId, runId, i, p.type, p.name, p.value, p.valueType])),
  );
}

/** Appends raw payloads as received (the raw layer). */
export async function insertRaw(
  tx: Queryable,
  tenantId: string,
  records: { integrationId: string | null; stream: string; key: string | null; payload: unknown }[],
): Promise<void> {
  if (records.length === 0) return;
  await insertRows(
    tx,
    'raw_records',
    ['tenant_id', 'integration_id', 'stream', 'record_key', 'payload'],
    records.map((r) => [tenantId, r.integrationId, r.stream, r.key, JSON.stringify(r.payload)]),
  );
}

export interface RunFilter {
  instanceGuid?: string | undefined;
  pipeline?: string | undefined;
  result?: string | undefined;
  branch?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  cd?: boolean | undefined;
  limit: number;
  /** Keyset cursor: start time and id of the last run on the previous page. */
  after?: { startTime: Date; id: number } | undefined;
}

const RUN_COLUMNS = `id::text AS id, integration_id::text AS integration_id, instance_guid, source, run_key, execution_id,
  pipeline, job_full_name, qualified_name, instance_name, instance_url, project_name, user_id, repo_url, build_number,
  branch_name, module_name, result, result_raw, start_time, end_time, duration_ms, queued_ms, ci, cd, cfr_status,
  themes, web_url, trigger_type, trigger_chain, revision, created_at, updated_at`;

export type RunRow = Record<string, unknown> & { id: string; start_time: Date };

/** Runs newest first, filtered and paged by a keyset cursor. */
export async function listRuns(db: Queryable, tenantId: string, f: RunFilter): Promise<RunRow[]> {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.instanceGuid !== undefined) add('instance_guid = ?', f.instanceGuid);
  if (f.pipeline !== undefined) add('pipeline = ?', f.pipeline);
  if (f.result !== undefined) add('result = ?', f.result);
  if (f.branch !== undefined) add('branch_name = ?', f.branch);
  if (f.since !== undefined) add('start_time >= ?', f.since);
  if (f.until !== undefined) add('start_time < ?', f.until);
  if (f.cd !== undefined) add('cd IS NOT DISTINCT FROM ?', f.cd);
  if (f.after !== undefined) {
    params.push(f.after.startTime, f.after.id);
    where.push(`(start_time, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(f.limit);
  return db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM cicd_runs WHERE ${where.join(' AND ')}
     ORDER BY start_time DESC, id DESC LIMIT $${params.length}`,
    params,
  );
}

/** One run with its stages (and their steps), commits, artifacts and parameters. */
export async function getRun(db: Queryable, tenantId: string, id: string): Promise<Record<string, unknown>> {
  const rows = /^\d{1,18}$/.test(id)
    ? await db.query(`SELECT ${RUN_COLUMNS} FROM cicd_runs WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
    : [];
  const run = rows[0];
  if (run === undefined) throw new NotFoundError(`No run "${id}" in this tenant.`, { code: 'run_not_found' });
  const args = [tenantId, id];
  const [stages, steps, commits, artifacts, params, targets] = await Promise.all([
    db.query(
      `SELECT ordinal, name, description, result, state, duration_ms, identifier, stage_type, start_time, end_time
       FROM cicd_run_stages
       WHERE tenant_id = $1 AND run_id = $2 ORDER BY ordinal`,
      args,
    ),
    db.query(
      `SELECT stage_ordinal, ordinal, name, description, result, state, duration_ms FROM cicd_run_steps
       WHERE tenant_id = $1 AND run_id = $2 ORDER BY stage_ordinal, ordinal`,
      args,
    ),
    db.query(
      `SELECT commit_sha AS sha, message, author, author_email, committed_at FROM cicd_run_commits
       WHERE tenant_id = $1 AND run_id = $2 ORDER BY ordinal`,
      args,
    ),
    db.query(
      `SELECT input, output, type, location, name, qualifier, hash, metadata FROM cicd_run_artifacts
       WHERE tenant_id = $1 AND run_id = $2 ORDER BY ordinal`,
      args,
    ),
    db.query(
      `SELECT type, name, value, value_type FROM cicd_run_params WHERE tenant_id = $1 AND run_id = $2 ORDER BY ordinal`,
      args,
    ),
    db.query(
      `SELECT service, environment, environment_type, infrastructure FROM cicd_run_deploy_targets
       WHERE tenant_id = $1 AND run_id = $2 ORDER BY ordinal`,
      args,
    ),
  ]);
  return {
    ...run,
    stages: stages.map(({ ordinal, ...s }) => ({
      ...s,
      steps: steps
        .filter((st) => st['stage_ordinal'] === ordinal)
        .map(({ stage_ordinal: _s, ordinal: _o, ...st }) => st),
    })),
    scm_commit_ids: commits.map((c) => c['sha']),
    commits,
    deploy_targets: targets,
    artifacts,
    job_run_params: params,
  };
}
