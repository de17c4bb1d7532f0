import type { DomainRun } from '../domain/cicd-run.js';
import { NotFoundError } from '../core/errors.js';
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

/** Inserts or updates one run and replaces its child rows; call inside a transaction. */
export async function upsertRun(tx: Queryable, target: RunTarget, run: DomainRun): Promise<UpsertResult> {
  const { tenantId } = target;
  // Webhook runs are keyed within their instance, connector runs within their integration.
  const conflict =
    run.instanceGuid === null
      ? '(tenant_id, integration_id, run_key) WHERE instance_guid IS NULL'
      : '(tenant_id, instance_guid, run_key)';
  const rows = await tx.query<{ id: number; revision: number }>(
    `INSERT INTO cicd_runs (tenant_id, integration_id, instance_guid, source, run_key, execution_id, pipeline,
       job_full_name, qualified_name, instance_name, instance_url, project_name, user_id, repo_url, build_number,
       branch_name, module_name, result, result_raw, start_time, end_time, duration_ms, ci, cd, cfr_status, themes,
       web_url, trigger_chain, trigger_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
       $23, $24, $25, $26, $27, $28::jsonb, $29)
     ON CONFLICT ${conflict} DO UPDATE SET
       execution_id = EXCLUDED.execution_id, pipeline = EXCLUDED.pipeline, job_full_name = EXCLUDED.job_full_name,
       qualified_name = EXCLUDED.qualified_name, instance_name = EXCLUDED.instance_name,
       instance_url = EXCLUDED.instance_url, project_name = EXCLUDED.project_name, user_id = EXCLUDED.user_id,
       repo_url = EXCLUDED.repo_url, build_number = EXCLUDED.build_number, branch_name = EXCLUDED.branch_name,
       module_name = EXCLUDED.module_name, result = EXCLUDED.result, result_raw = EXCLUDED.result_raw,
       start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, duration_ms = EXCLUDED.duration_ms,
       ci = EXCLUDED.ci, cd = EXCLUDED.cd, cfr_status = EXCLUDED.cfr_status, themes = EXCLUDED.themes,
       web_url = EXCLUDED.web_url, trigger_chain = EXCLUDED.trigger_chain, trigger_type = EXCLUDED.trigger_type,
       revision = cicd_runs.revision + 1, updated_at = now()
     RETURNING id, revision`,
    [
      tenantId,
      target.integrationId,
      run.instanceGuid,
      target.source,
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
    ],
  );
  const { id, revision } = rows[0]!;
  if (revision > 1) {
    for (const table of CHILD_TABLES) {
      await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND run_id = $2`, [tenantId, id]);
    }
  }
  await insertChildren(tx, tenantId, id, run);
  return { id: String(id), status: revision > 1 ? 'updated' : 'created' };
}

async function insertRows(tx: Queryable, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  // Chunked so one statement stays well under PostgreSQL's 65,535 parameter limit.
  const perChunk = Math.floor(60_000 / columns.length);
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await tx.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(chunk.length, columns.length)}`,
      chunk.flat(),
    );
  }
}

async function insertChildren(tx: Queryable, tenantId: string, runId: number, run: DomainRun): Promise<void> {
  if (run.stages.length > 0) {
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
    const steps = run.stages.flatMap((s, si) =>
      s.steps.map((st, i) => [tenantId, runId, si, i, st.name, st.description, st.result, st.state, st.durationMs]),
    );
    if (steps.length > 0) {
      await insertRows(
        tx,
        'cicd_run_steps',
        ['tenant_id', 'run_id', 'stage_ordinal', 'ordinal', 'name', 'description', 'result', 'state', 'duration_ms'],
        steps,
      );
    }
  }
  if (run.commits.length > 0) {
    await insertRows(
      tx,
      'cicd_run_commits',
      ['tenant_id', 'run_id', 'commit_sha', 'ordinal', 'message', 'author', 'author_email', 'committed_at'],
      run.commits.map((c, i) => [
        tenantId,
        runId,
        c.sha,
        i,
        c.message ?? null,
        c.author ?? null,
        c.authorEmail ?? null,
        c.committedAt ?? null,
      ]),
    );
  }
  const targets = run.deployTargets ?? [];
  if (targets.length > 0) {
    await insertRows(
      tx,
      'cicd_run_deploy_targets',
      ['tenant_id', 'run_id', 'ordinal', 'service', 'environment', 'environment_type', 'infrastructure'],
      targets.map((t, i) => [tenantId, runId, i, t.service, t.environment, t.environmentType, t.infrastructure]),
    );
  }
  if (run.artifacts.length > 0) {
    await insertRows(
      tx,
      'cicd_run_artifacts',
      [
        'tenant_id',
        'run_id',
        'ordinal',
        'input',
        'output',
        'type',
        'location',
        'name',
        'qualifier',
        'hash',
        'metadata',
      ],
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
    );
  }
  if (run.params.length > 0) {
    await insertRows(
      tx,
      'cicd_run_params',
      ['tenant_id', 'run_id', 'ordinal', 'type', 'name', 'value', 'value_type'],
      run.params.map((p, i) => [tenantId, runId, i, p.type, p.name, p.value, p.valueType]),
    );
  }
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
  branch_name, module_name, result, result_raw, start_time, end_time, duration_ms, ci, cd, cfr_status, themes,
  web_url, trigger_type, trigger_chain, revision, created_at, updated_at`;

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
