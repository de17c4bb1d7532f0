import type { Connector, Normalized, NormalizeMeta, RawPage, RawRecord } from '../connectors/connector.js';
import { upsertIncidents } from '../store/incidents.js';
import { markReposGone, upsertCommits, upsertEnvironments, upsertMergeRequests, upsertRepos } from '../store/scm.js';
import { type Db, type Queryable, valuesList } from '../store/db.js';
import { type RunItem, upsertRuns } from '../store/runs.js';

/** Where collected pages go: the database here, the server's HTTP API in the satellite. */
export interface RecordSink {
  write(page: RawPage): Promise<void>;
}

export interface SinkTarget {
  tenantId: string;
  integration: NormalizeMeta['integration'];
  jobId: string | null;
}

/** Writes the normalized domain rows of raw records (also used by replay). */
export async function applyRecords(
  tx: Queryable,
  connector: Connector<never>,
  target: SinkTarget,
  stream: string,
  scope: string,
  records: RawRecord[],
): Promise<void> {
  const meta: NormalizeMeta = { scope, integration: target.integration };
  const rows = records.map((record) => connector.normalize(stream, record, meta));
  const all = <K extends keyof Normalized>(k: K): NonNullable<Normalized[K]> =>
    rows.flatMap((r) => (r[k] ?? []) as never[]) as NonNullable<Normalized[K]>;
  const scm = { tenantId: target.tenantId, integrationId: target.integration.id };
  // Parents first: commits and merge requests belong to a repository, runs may point at one.
  const repos = all('repos');
  if (repos.length > 0) await upsertRepos(tx, scm, repos);
  const gone = all('goneRepos');
  if (gone.length > 0) await markReposGone(tx, scm, gone);
  const commits = all('commits');
  if (commits.length > 0) await upsertCommits(tx, scm, commits);
  const mergeRequests = all('mergeRequests');
  if (mergeRequests.length > 0) await upsertMergeRequests(tx, scm, mergeRequests);
  const environments = all('environments');
  if (environments.length > 0) await upsertEnvironments(tx, scm, environments);
  const incidents = all('incidents');
  if (incidents.length > 0) await upsertIncidents(tx, { ...scm, source: connector.spec.type }, incidents);
  const runs: RunItem[] = all('runs').map((run) => ({
    integrationId: target.integration.id,
    source: connector.spec.type,
    run,
  }));
  if (runs.length > 0) await upsertRuns(tx, target.tenantId, runs);
}

function latestByKey(records: RawRecord[]): RawRecord[] {
  return [...new Map(records.map((r) => [r.key, r])).values()];
}

/**
 * Stores a page in one transaction: raw records (latest version per key), their domain rows, the
 * stream cursor and the job's counters. A crash before the commit loses the whole page and its
 * cursor, so the next run fetches it again: no gap, and upserts make it no duplicate.
 */
export function dbSink(db: Db, connector: Connector<never>, target: SinkTarget): RecordSink {
  return {
    async write(page: RawPage): Promise<void> {
      const records = latestByKey(page.records);
      await db.transaction(async (tx) => {
        if (records.length > 0) {
          const cols = 8;
          await tx.query(
            `INSERT INTO connector_records (tenant_id, integration_id, stream, record_key, scope, final, request, payload)
             VALUES ${valuesList(records.length, cols)}
             ON CONFLICT (tenant_id, integration_id, stream, record_key) DO UPDATE SET scope = EXCLUDED.scope,
               final = EXCLUDED.final, request = EXCLUDED.request, payload = EXCLUDED.payload, fetched_at = now()`,
            records.flatMap((r) => [
              target.tenantId,
              target.integration.id,
              page.stream,
              r.key,
              page.scope,
              r.final,
              JSON.stringify(page.request),
              JSON.stringify(r.data),
            ]),
          );
          await applyRecords(tx, connector, target, page.stream, page.scope, records);
        }
        if (page.cursor !== undefined) {
          await tx.query(
            `INSERT INTO sync_cursors (tenant_id, integration_id, stream, scope, cursor) VALUES ($1, $2, $3, $4, $5::jsonb)
             ON CONFLICT (tenant_id, integration_id, stream, scope) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
            [target.tenantId, target.integration.id, page.stream, page.scope, JSON.stringify(page.cursor)],
          );
        }
        if (target.jobId !== null) {
          await tx.query(
            `UPDATE sync_job_streams SET records = records + $4, pages = pages + 1
             WHERE tenant_id = $1 AND job_id = $2 AND stream = $3`,
            [target.tenantId, target.jobId, page.stream, records.length],
          );
          await tx.query(
            `UPDATE sync_jobs SET heartbeat_at = now(), progress = $3::jsonb WHERE tenant_id = $1 AND id = $2`,
            [
              target.tenantId,
              target.jobId,
              JSON.stringify({ stream: page.stream, scope: page.scope, ...page.progress }),
            ],
          );
        }
      });
    },
  };
}

/** Saved cursors of a stream, by scope. */
export async function loadCursors(
  db: Queryable,
  tenantId: string,
  integrationId: string,
  stream: string,
): Promise<Map<string, unknown>> {
  const rows = await db.query<{ scope: string; cursor: unknown }>(
    `SELECT scope, cursor FROM sync_cursors WHERE tenant_id = $1 AND integration_id = $2 AND stream = $3`,
    [tenantId, integrationId, stream],
  );
  return new Map(rows.map((r) => [r.scope, r.cursor]));
}
