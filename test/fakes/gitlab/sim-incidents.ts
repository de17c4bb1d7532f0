// Issues and incidents of the simulation. Incidents follow production deployments: most failed ones (the
// on-call opens one a few minutes later) and now and then a successful one (a change broke something the
// pipeline did not catch: what change failure rate links to a deployment by time). Most are closed within
// hours, some after days, a few stay open. Plain issues appear on weekdays, so a client that forgets
// `issue_type=incident` reads them too. All of it draws from the project's own issue stream.

import type { Deployment, Issue, IssueSeverity, IssueType, Project, User } from './model.js';
import type { Sim } from './sim.js';
import { INCIDENT_TITLES, ISSUE_TITLES, LABELS } from './texts.js';
import { DAY, HOUR, MINUTE } from './time.js';

/** What an issue is opened with. */
export interface IssueSpec {
  type: IssueType;
  title: string;
  description: string;
  author: User;
  assignees: User[];
  labels: string[];
  severity: IssueSeverity;
  /** Closed this long after it is opened (by `closer`, else its author), or left open. */
  closeAfterMs: number | null;
  closer: User | null;
}

export type IssueEvent =
  | { type: 'issue-open'; at: number; project: Project; spec: IssueSpec }
  | { type: 'issue-close'; at: number; issue: Issue; by: User };

/** The services an incident of `project` affects: itself, and for the infrastructure project the live web services. */
function servicesOf(sim: Sim, project: Project): string[] {
  const affected =
    project.path !== 'infra'
      ? []
      : sim.structure.projects.filter(
          (p) =>
            p.group === project.group.parent &&
            p.activeUntil === null &&
            p.environments.some((e) => e.tier === 'production'),
        );
  return [project, ...affected].map((p) => `service::${p.pathWithNamespace}`);
}

export function openIssue(sim: Sim, project: Project, spec: IssueSpec, at: number): Issue {
  const s = sim.state(project);
  const issue: Issue = {
    id: sim.ids.issue(),
    iid: ++s.issueIid,
    project,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    author: spec.author,
    assignees: spec.assignees,
    labels: spec.labels,
    severity: spec.severity,
    createdAt: at,
    updatedAt: at,
    state: 'opened',
    closedAt: null,
    closedBy: null,
    deleted: false,
  };
  project.issues.push(issue);
  project.lastActivityAt = Math.max(project.lastActivityAt, at);
  if (spec.closeAfterMs !== null) {
    sim.schedule({ type: 'issue-close', at: at + spec.closeAfterMs, issue, by: spec.closer ?? spec.author });
  }
  return issue;
}

/** Closes an open issue (a closed one stays as it is: someone closed it by hand first). */
export function closeIssue(issue: Issue, by: User, at: number): void {
  if (issue.state === 'closed' || issue.deleted) return;
  issue.state = 'closed';
  issue.closedAt = at;
  issue.closedBy = by;
  issue.updatedAt = at;
}

/** Reopens a closed issue: GitLab clears `closed_at` and `closed_by`. */
export function reopenIssue(issue: Issue, at: number): void {
  issue.state = 'opened';
  issue.closedAt = null;
  issue.closedBy = null;
  issue.updatedAt = at;
}

/** When a production deployment has ended: maybe an incident, opened shortly after. */
export function incidentAfterDeploy(sim: Sim, d: Deployment): void {
  const end = d.transitions.at(-1);
  if (d.environment.tier !== 'production' || !end || (end.status !== 'success' && end.status !== 'failed')) return;
  const s = sim.state(d.project);
  const rng = s.issueRng;
  const failed = end.status === 'failed';
  if (!rng.chance(failed ? 0.7 : 0.2)) return;
  const at = end.at + (failed ? rng.int(2 * MINUTE, 12 * MINUTE) : rng.int(10 * MINUTE, 6 * HOUR));
  const author = rng.pick(s.maintainers);
  const roll = rng.next();
  const extra = rng.chance(0.3) ? [rng.pick(['customer-impact', 'postmortem'])] : [];
  sim.schedule({
    type: 'issue-open',
    at,
    project: d.project,
    spec: {
      type: 'incident',
      title: `${rng.pick(INCIDENT_TITLES)} (${d.environment.name})`,
      description: `Seen after deployment #${d.iid} to ${d.environment.name}.`,
      author,
      assignees: [author],
      labels: [...servicesOf(sim, d.project), `environment::${d.environment.name}`, ...extra],
      severity: failed
        ? rng.pick(['CRITICAL', 'HIGH'] as const)
        : rng.pick(['HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const),
      closeAfterMs: roll < 0.75 ? rng.int(20 * MINUTE, 8 * HOUR) : roll < 0.95 ? rng.int(DAY, 4 * DAY) : null,
      closer: rng.pick(s.maintainers),
    },
  });
}

/** A plain issue opened at `at` by `author` (its spec drawn from the project's issue stream). */
export function plainIssue(sim: Sim, project: Project, at: number, author: User): IssueEvent {
  const rng = sim.state(project).issueRng;
  return {
    type: 'issue-open',
    at,
    project,
    spec: {
      type: 'issue',
      title: rng.pick(ISSUE_TITLES),
      description: '',
      author,
      assignees: rng.chance(0.5) ? [author] : [],
      labels: [rng.pick(LABELS)],
      severity: 'UNKNOWN',
      closeAfterMs: rng.chance(0.6) ? rng.int(2 * HOUR, 10 * DAY) : null,
      closer: null,
    },
  };
}
