// A store's consistency check, for the crash tests: after processes were killed part-way, what is left must
// still be a database the product could have written with no crash at all.
import { applyProfile, productionDeploymentsSql, refreshChanges } from '../../src/metrics/materialize.js';
import { Params } from '../../src/metrics/deployments.js';
import { loadProfile } from '../../src/metrics/profile.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { listMigrations } from '../../src/store/migrate.js';

/** A child table, and the join that finds its parent row. */
const ORPHANS: readonly { child: string; parent: string; on: string; where?: string }[] = [
  ...['cicd_run_stages', 'cicd_run_commits', 'cicd_run_artifacts', 'cicd_run_params', 'cicd_run_deploy_targets'].map(
    (child) => ({ child, parent: 'cicd_runs', on: 'p.tenant_id = c.tenant_id AND p.id = c.run_id' }),
  ),
  {
    child: 'cicd_run_steps',
    parent: 'cicd_run_stages',
    on: 'p.tenant_id = c.tenant_id AND p.run_id = c.run_id AND p.ordinal = c.stage_ordinal',
  },
  {
    child: 'cicd_runs',
    parent: 'cicd_instances',
    on: 'p.tenant_id = c.tenant_id AND p.guid = c.instance_guid',
    where: 'c.instance_guid IS NOT NULL',
  },
  ...['cicd_runs', 'cicd_instances', 'connector_records', 'sync_cursors', 'sync_jobs'].map((child) => ({
    child,
    parent: 'integrations',
    on: 'p.tenant_id = c.tenant_id AND p.id = c.integration_id',
  })),
  { child: 'sync_job_streams', parent: 'sync_jobs', on: 'p.tenant_id = c.tenant_id AND p.id = c.job_id' },
  { child: 'dora_deployments', parent: 'cicd_runs', on: 'p.tenant_id = c.tenant_id AND p.id = c.run_id' },
  {
    child: 'dora_changes',
    parent: 'dora_deployments',
    on: 'p.tenant_id = c.tenant_id AND p.run_id = c.run_id',
  },
  // The raw layer has no foreign key, but a webhook run is stored with its raw body in one transaction.
  {
    child: 'cicd_runs',
    parent: 'raw_records',
    on: `p.tenant_id = c.tenant_id AND p.stream = 'custom-cicd' AND p.record_key = c.instance_guid || '/' || c.run_key`,
    where: "c.source = 'custom'",
  },
];

/** Keys that must be unique; read from the table itself (index scans off), so a broken index cannot hide a duplicate. */
const UNIQUE_KEYS: readonly { table: string; key: string; where?: string }[] = [
  { table: 'cicd_runs', key: 'tenant_id, id' },
  { table: 'cicd_runs', key: 'tenant_id, instance_guid, run_key', where: 'instance_guid IS NOT NULL' },
  { table: 'cicd_runs', key: 'tenant_id, integration_id, run_key', where: 'instance_guid IS NULL' },
  { table: 'cicd_run_stages', key: 'tenant_id, run_id, ordinal' },
  { table: 'cicd_run_steps', key: 'tenant_id, run_id, stage_ordinal, ordinal' },
  { table: 'cicd_run_commits', key: 'tenant_id, run_id, commit_sha' },
  { table: 'raw_records', key: 'tenant_id, id' },
  { table: 'connector_records', key: 'tenant_id, integration_id, stream, record_key' },
  { table: 'dora_deployments', key: 'tenant_id, run_id' },
  { table: 'dora_changes', key: 'tenant_id, run_id, sha' },
  { table: 'api_keys', key: 'key_hash' },
];

const DEPLOYMENT_COLUMNS = 'run_id, source, pipeline, service, environment, result, start_time, at, failed';
const CHANGE_COLUMNS =
  'run_id, sha, source, pipeline, service, environment, deployed_at, head, first, committed_at, lead_ms';
const LEAD_HOUR_COLUMNS =
  "hour, source, pipeline, service, environment, changes, unknown, deployments, encode(leads, 'hex') AS leads";

async function snapshot(db: Queryable, table: string, columns: string, tenantId: string): Promise<string[]> {
  const rows = await db.query(`SELECT ${columns} FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** Differences between two sorted row lists, a few of each side. */
function diff(what: string, expected: string[], actual: string[]): string[] {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = expected.filter((r) => !a.has(r));
  const extra = actual.filter((r) => !e.has(r));
  if (missing.length === 0 && extra.length === 0 && expected.length === actual.length) return [];
  return [
    `${what}: ${expected.length} row(s) expected, ${actual.length} found; missing ${missing.length}` +
      ` (${missing.slice(0, 3).join(' ')}), extra ${extra.length} (${extra.slice(0, 3).join(' ')})`,
  ];
}

async function checkMigrations(db: Queryable): Promise<string[]> {
  const applied = await db.query<{ version: number; name: string }>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  );
  const expected = listMigrations().map((m) => ({ version: m.version, name: m.name }));
  return JSON.stringify(applied) === JSON.stringify(expected)
    ? []
    : [`schema_migrations holds ${JSON.stringify(applied)}, expected ${JSON.stringify(expected)}`];
}

async function checkOrphans(db: Queryable): Promise<string[]> {
  const problems: string[] = [];
  for (const o of ORPHANS) {
    const [r] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${o.child} c
       WHERE ${o.where ?? 'true'} AND NOT EXISTS (SELECT 1 FROM ${o.parent} p WHERE ${o.on})`,
    );
    if (r!.n > 0) problems.push(`${r!.n} row(s) of ${o.child} without their ${o.parent} row`);
  }
  return problems;
}

async function checkUniqueKeys(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    for (const setting of ['enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan']) {
      await tx.query(`SET LOCAL ${setting} = off`);
    }
    const problems: string[] = [];
    for (const u of UNIQUE_KEYS) {
      const [r] = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT 1 FROM ${u.table} WHERE ${u.where ?? 'true'} GROUP BY ${u.key} HAVING count(*) > 1) d`,
      );
      if (r!.n > 0) problems.push(`${r!.n} key(s) (${u.key}) of ${u.table} held by more than one row`);
    }
    return problems;
  });
}

/**
 * The DORA tables kept up batch by batch must equal what a full rebuild gives: the deployments are compared
 * with the live definition, then (with `rebuild`) both tables with a rebuild under the same profile. The
 * rebuild writes: it saves the profile again, as a PUT of the same profile would.
 */
async function checkDora(db: Db, tenantId: string, rebuild: boolean): Promise<string[]> {
  const profile = await loadProfile(db, tenantId);
  const p = new Params();
  const live = await db.query(
    `SELECT id AS run_id, source, pipeline, service, environment, result, start_time, at, failed
     FROM (${productionDeploymentsSql(p, tenantId, profile)}) d`,
    p.values,
  );
  const problems = diff(
    `dora_deployments of ${tenantId} against the runs`,
    live.map((r) => JSON.stringify(r)).sort(),
    await snapshot(db, 'dora_deployments', DEPLOYMENT_COLUMNS, tenantId),
  );
  if (!rebuild) return problems;
  const [hours] = await db.query<{ present: boolean }>("SELECT to_regclass('dora_lead_hours') IS NOT NULL AS present");
  const tables: [string, string][] = [
    ['dora_deployments', DEPLOYMENT_COLUMNS],
    ['dora_changes', CHANGE_COLUMNS],
    ...(hours!.present ? [['dora_lead_hours', LEAD_HOUR_COLUMNS] as [string, string]] : []),
  ];
  await refreshChanges(db, tenantId); // what the next reader does with the dirty marks batches left
  const kept = await Promise.all(tables.map(([table, columns]) => snapshot(db, table, columns, tenantId)));
  await applyProfile(db, tenantId, profile);
  await refreshChanges(db, tenantId);
  for (const [i, [table, columns]] of tables.entries()) {
    const rebuilt = await snapshot(db, table, columns, tenantId);
    problems.push(...diff(`${table} of ${tenantId} against a rebuild`, rebuilt, kept[i]!));
  }
  return problems;
}

/**
 * Checks a store no process is writing to: migrations all applied once, no orphan rows, unique keys held,
 * and for each tenant whose DORA tables are built, those tables equal a full rebuild (`rebuildDora`, default
 * true, writes: see checkDora). Answers the problems found, none when consistent.
 */
export async function checkConsistency(db: Db, opts: { rebuildDora?: boolean } = {}): Promise<string[]> {
  const problems = [...(await checkMigrations(db)), ...(await checkOrphans(db)), ...(await checkUniqueKeys(db))];
  const tenants = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM dora_state ORDER BY tenant_id');
  for (const { tenant_id } of tenants) problems.push(...(await checkDora(db, tenant_id, opts.rebuildDora ?? true)));
  return problems;
}
