import { type DomainIncident, servicesFromLabels, severityOf } from '../../domain/incident.js';

// An issue as GitLab's REST API lists it (`GET /projects/:id/issues`), with the project it was read from.
type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

/**
 * A GitLab incident (an issue with `issue_type` incident) as a domain incident; null for any other issue
 * (a GitLab that ignores the `issue_type` filter lists them all) or one without its keys. Open while its
 * state is `opened`: resolved at `closed_at` (GitLab clears it when the incident is reopened).
 */
export function incidentOf(repoKey: string, issue: Json): DomainIncident | null {
  if (issue['issue_type'] !== 'incident') return null;
  const iid = str(issue['iid']);
  const openedAt = date(issue['created_at']);
  if (iid === null || openedAt === null) return null;
  const state = str(issue['state']) ?? 'opened';
  const updatedAt = date(issue['updated_at']) ?? openedAt;
  const labels = (Array.isArray(issue['labels']) ? issue['labels'] : [])
    .map((l) => (typeof l === 'string' ? l : str((l as Json | null)?.['name']))) // with_labels_details gives objects
    .filter((l): l is string => l !== null);
  return {
    incidentKey: `${repoKey}#${iid}`,
    upstreamId: str(issue['id']),
    repoKey,
    title: str(issue['title']) ?? '',
    state,
    severity: severityOf(issue['severity']),
    labels,
    services: servicesFromLabels(labels),
    webUrl: str(issue['web_url']),
    openedAt,
    resolvedAt: state === 'closed' ? (date(issue['closed_at']) ?? updatedAt) : null,
    updatedAt,
  };
}
