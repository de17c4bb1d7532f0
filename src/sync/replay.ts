import type { Connector } from '../connectors/connector.js';
import type { Db } from '../store/db.js';
import { applyRecords, type SinkTarget } from './db-sink.js';

export interface ReplayResult {
  records: number;
  runs: number;
}

const BATCH = 500;

/**
 * Rebuilds an integration's domain rows from its stored raw records with the current mapping:
 * its runs are deleted and made again, in one transaction, so readers never see half of it.
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
    let records = 0;
    let after: { stream: string; key: string } = { stream: '', key: '' };
    for (;;) {
      const rows = await tx.query<{
        stream: string;
        record_key: string;
        scope: string;
        final: boolean;
        payload: unknown;
      }>(
        `SELECT stream, record_key, scope, final, payload FROM connector_records
         WHERE tenant_id = $1 AND integration_id = $2 AND (stream, record_key) > ($3, $4)
         ORDER BY stream, record_key LIMIT $5`,
        [tenantId, integrationId, after.stream, after.key, BATCH],
      );
      for (const r of rows) {
        await applyRecords(tx, connector, target, r.stream, r.scope, [
          { key: r.record_key, data: r.payload, final: r.final },
        ]);
      }
      records += rows.length;
      const last = rows.at(-1);
      if (last === undefined || rows.length < BATCH) break;
      after = { stream: last.stream, key: last.record_key };
    }
    const runs = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cicd_runs WHERE tenant_id = $1 AND integration_id = $2 AND instance_guid IS NULL',
      [tenantId, integrationId],
    );
    return { records, runs: runs[0]!.n };
  });
}
