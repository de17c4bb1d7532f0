import type { Connector, RawRecord } from '../connectors/connector.js';
import type { Db, Queryable } from '../store/db.js';
import { applyRecords, type SinkTarget } from './db-sink.js';

export interface ReplayResult {
  records: number;
  runs: number;
  repos: number;
  commits: number;
  merge_requests: number;
  incidents: number;
}

const BATCH = 500;

async function count(
  tx: Queryable,
  table: string,
  tenantId: string,
  integrationId: string,
  extra = '',
): Promise<number> {
  const rows = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND integration_id = $2${extra}`,
    [tenantId, integrationId],
  );
  return rows[0]!.n;
}

/**
 * Rebuilds an integration's domain rows from its stored raw records with the current mapping: its
 * runs, source-control rows and incidents are deleted and made again, stream by stream in the connector's order
 * (repositories before what belongs to them), in one transaction, so readers never see half of it.
 */
export async function replayIntegration(
  db: Db,
  connector: Connector<never>,
  target: SinkTarget,
): Promise<ReplayResult> {
  return db.transaction(async (tx) => {
    const { tenantId } = target;
    const integrationId = target.integration.id;
    await tx.query('DELETE FROM cicd_runs WHERE tenant_id = $1 AND integration_id = $2 AND instance_guid IS NULL', [
      tenantId,
      integrationId,
    ]);
    // Commits, merge requests and environments go with their repository; incidents stand alone.
    await tx.query('DELETE FROM scm_repos WHERE tenant_id = $1 AND integration_id = $2', [tenantId, integrationId]);
    await tx.query('DELETE FROM incidents WHERE tenant_id = $1 AND integration_id = $2', [tenantId, integrationId]);
    let records = 0;
    for (const { name: stream } of connector.streams) {
      for (let after = ''; ;) {
        const rows = await tx.query<{ record_key: string; scope: string; final: boolean; payload: unknown }>(
          `SELECT record_key, scope, final, payload FROM connector_records
           WHERE tenant_id = $1 AND integration_id = $2 AND stream = $3 AND record_key > $4
           ORDER BY record_key LIMIT $5`,
          [tenantId, integrationId, stream, after, BATCH],
        );
        const byScope = new Map<string, RawRecord[]>();
        for (const r of rows) {
          const list = byScope.get(r.scope) ?? [];
          list.push({ key: r.record_key, data: r.payload, final: r.final });
          byScope.set(r.scope, list);
        }
        for (const [scope, list] of byScope) await applyRecords(tx, connector, target, stream, scope, list);
        records += rows.length;
        if (rows.length < BATCH) break;
        after = rows.at(-1)!.record_key;
      }
    }
    return {
      records,
      runs: await count(tx, 'cicd_runs', tenantId, integrationId, ' AND instance_guid IS NULL'),
      repos: await count(tx, 'scm_repos', tenantId, integrationId),
      commits: await count(tx, 'scm_commits', tenantId, integrationId),
      merge_requests: await count(tx, 'scm_merge_requests', tenantId, integrationId),
      incidents: await count(tx, 'incidents', tenantId, integrationId),
    };
  });
}
