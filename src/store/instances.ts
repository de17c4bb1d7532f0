import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '../core/errors.js';
import type { Queryable } from './db.js';

export interface CicdInstance {
  id: string;
  integration_id: string;
  name: string;
  type: string;
  url: string | null;
  created_at: Date;
}

const COLUMNS = 'guid::text AS id, integration_id::text AS integration_id, name, type, url, created_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createInstance(
  db: Queryable,
  tenantId: string,
  input: { integrationId: string; name: string; type: string; url: string | null },
): Promise<CicdInstance> {
  const rows = await db.query<CicdInstance>(
    `INSERT INTO cicd_instances (tenant_id, guid, integration_id, name, type, url)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [tenantId, randomUUID(), input.integrationId, input.name, input.type, input.url],
  );
  return rows[0]!;
}

export async function listInstances(db: Queryable, tenantId: string, integrationId?: string): Promise<CicdInstance[]> {
  return db.query<CicdInstance>(
    `SELECT ${COLUMNS} FROM cicd_instances WHERE tenant_id = $1 AND ($2::bigint IS NULL OR integration_id = $2)
     ORDER BY created_at, guid`,
    [tenantId, integrationId ?? null],
  );
}

/** Finds instances by GUID; unknown ones (and other tenants') are simply absent from the map. */
export async function findInstances(
  db: Queryable,
  tenantId: string,
  guids: readonly string[],
): Promise<Map<string, CicdInstance>> {
  const valid = [...new Set(guids.map((g) => g.toLowerCase()).filter((g) => UUID.test(g)))];
  if (valid.length === 0) return new Map();
  const rows = await db.query<CicdInstance>(
    `SELECT ${COLUMNS} FROM cicd_instances WHERE tenant_id = $1 AND guid = ANY($2::uuid[])`,
    [tenantId, valid],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function getInstance(db: Queryable, tenantId: string, guid: string): Promise<CicdInstance> {
  if (!UUID.test(guid)) throw new InputError('invalid_guid', 'An instance id is a GUID.', { field: 'guid' });
  const row = (await findInstances(db, tenantId, [guid])).get(guid.toLowerCase());
  if (row === undefined)
    throw new NotFoundError(`No CI/CD instance "${guid}" in this tenant.`, { code: 'instance_not_found' });
  return row;
}

export async function deleteInstance(db: Queryable, tenantId: string, guid: string): Promise<void> {
  await getInstance(db, tenantId, guid);
  await db.query('DELETE FROM cicd_instances WHERE tenant_id = $1 AND guid = $2', [tenantId, guid.toLowerCase()]);
}
