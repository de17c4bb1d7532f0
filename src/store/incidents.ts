import type { DomainIncident } from '../domain/incident.js';
import { type Queryable, valuesList } from './db.js';

/** Whose incidents they are: the tenant, the integration and its source (the connector type). */
export interface IncidentTarget {
  tenantId: string;
  integrationId: string;
  source: string;
}

const COLUMNS = [
  'tenant_id',
  'integration_id',
  'source',
  'incident_key',
  'upstream_id',
  'repo_key',
  'title',
  'state',
  'severity',
  'labels',
  'services',
  'web_url',
  'opened_at',
  'resolved_at',
  'updated_at',
] as const;

// One statement per chunk, under PostgreSQL's 65,535 parameter limit.
const PER_CHUNK = Math.floor(60_000 / COLUMNS.length);

/**
 * Incidents as the source last showed them, in one multi-row statement per chunk. A row never goes back
 * to an older version of itself (pages of one sync may overlap, and GitLab's filter repeats boundary rows).
 */
export async function upsertIncidents(tx: Queryable, t: IncidentTarget, incidents: DomainIncident[]): Promise<void> {
  // A multi-row upsert may touch a row only once: the last version of each key wins.
  const unique = [...new Map(incidents.map((i) => [i.incidentKey, i])).values()];
  const rows = unique.map((i) => [
    t.tenantId,
    t.integrationId,
    t.source,
    i.incidentKey,
    i.upstreamId,
    i.repoKey,
    i.title,
    i.state,
    i.severity,
    i.labels,
    i.services,
    i.webUrl,
    i.openedAt,
    i.resolvedAt,
    i.updatedAt,
  ]);
  const set = COLUMNS.slice(4)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  for (let at = 0; at < rows.length; at += PER_CHUNK) {
    const chunk = rows.slice(at, at + PER_CHUNK);
    await tx.query(
      `INSERT INTO incidents (${COLUMNS.join(', ')}) VALUES ${valuesList(chunk.length, COLUMNS.length)}
       ON CONFLICT (tenant_id, integration_id, incident_key) DO UPDATE SET source = EXCLUDED.source, ${set}
       WHERE incidents.updated_at <= EXCLUDED.updated_at`,
      chunk.flat(),
    );
  }
}
