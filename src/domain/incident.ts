// Incidents in canonical form, from any incident source: what the store writes and change failure rate reads.

/** Severities as GitLab names them; sources without one say UNKNOWN. */
export type IncidentSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

export const INCIDENT_SEVERITIES: readonly IncidentSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** An incident: opened when something broke, resolved when it was closed. */
export interface DomainIncident {
  /** Stable within the integration (GitLab: `<project id>#<iid>`). */
  incidentKey: string;
  upstreamId: string | null;
  /** The repository it was raised in, as `scm_repos.repo_key`, when the source is a repository host. */
  repoKey: string | null;
  title: string;
  /** As the upstream says it (GitLab: opened, closed). */
  state: string;
  severity: IncidentSeverity;
  labels: string[];
  /** The services it affects, from its `service::<name>` labels. */
  services: string[];
  webUrl: string | null;
  openedAt: Date;
  /** When it was closed; null while it is open (a reopened incident is open again). */
  resolvedAt: Date | null;
  updatedAt: Date;
}

/**
 * The services named by `service::<name>` labels. A scoped label's scope is everything before its last
 * `::` (GitLab's rule), so `service::a::b` belongs to the scope `service::a` and names no service here.
 */
export function servicesFromLabels(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const label of labels) {
    const at = label.lastIndexOf('::');
    if (at < 0 || label.slice(0, at).trim().toLowerCase() !== 'service') continue;
    const name = label.slice(at + 2).trim();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return out;
}

/** A severity as given, in any case, else UNKNOWN (absent on older GitLab, or a value we do not know). */
export function severityOf(value: unknown): IncidentSeverity {
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  return (INCIDENT_SEVERITIES as readonly string[]).includes(upper) ? (upper as IncidentSeverity) : 'UNKNOWN';
}
