import { UpstreamError } from '../../http/errors.js';
import { CheckFailed, type CheckStep, runChecks } from '../checks.js';
import type { ConnectorContext, ValidationReport } from '../connector.js';
import { type GitLabApi, type GitLabProject, idOf } from './api.js';
import { gitlabApi, SignInNeeded } from './auth.js';
import { resolveProjects, ScopeError } from './scope.js';
import type { GitLabSettings } from './spec.js';

const STEPS: readonly CheckStep[] = [
  { id: 'credentials', label: 'Token accepted' },
  { id: 'token', label: 'Token active, with the api or read_api scope' },
  { id: 'projects', label: 'Projects in scope' },
  { id: 'role', label: 'Reporter role or higher' },
];
const READ_SCOPES = ['api', 'read_api'];
const REPORTER = 20;
// How many below-Reporter projects are probed one by one before the check answers.
const ROLE_PROBES = 20;

/** Maps an upstream failure to the documented outcomes, with GitLab's own words. */
function fromUpstream(err: unknown, what: string): CheckFailed {
  if (!(err instanceof UpstreamError)) throw err;
  const says = err.upstreamMessage === undefined ? '' : ` GitLab says: "${err.upstreamMessage}"`;
  switch (err.code) {
    case 'upstream_unauthorized':
      return new CheckFailed('invalid_credentials', `GitLab refused the token (wrong, expired or revoked).${says}`);
    case 'upstream_forbidden':
      return new CheckFailed('invalid_permissions', `The token may not ${what}.${says}`);
    default:
      return new CheckFailed('unreachable', `Could not ${what}: ${err.message}`);
  }
}

const today = (now: number): string => new Date(now).toISOString().slice(0, 10);

/** The token's own record (PAT): revoked, expired, scopes. Older GitLab (< 15.5) has no such endpoint. */
async function checkPat(api: GitLabApi, now: number): Promise<string> {
  let info;
  try {
    info = await api.tokenSelf();
  } catch (err) {
    if ((err as { upstreamStatus?: number }).upstreamStatus === 404) {
      return 'This GitLab does not describe tokens (before 15.5); the project checks below show what it can read.';
    }
    throw fromUpstream(err, 'read its own details');
  }
  if (info.revoked) throw new CheckFailed('invalid_credentials', 'The token has been revoked in GitLab.');
  if (info.expires_at !== null && info.expires_at <= today(now)) {
    throw new CheckFailed('invalid_credentials', `The token expired on ${info.expires_at}: make a new one.`);
  }
  if (!info.active) throw new CheckFailed('invalid_credentials', 'GitLab says the token is not active.');
  if (!info.scopes.some((s) => READ_SCOPES.includes(s))) {
    throw new CheckFailed(
      'invalid_permissions',
      `The token has the scopes ${info.scopes.join(', ') || '(none)'}; it needs api (or read_api).`,
    );
  }
  const expiry = info.expires_at === null ? 'does not expire' : `expires on ${info.expires_at}`;
  return `The token is active, has ${info.scopes.filter((s) => READ_SCOPES.includes(s)).join(' and ')} and ${expiry}.`;
}

/** In-scope projects where the user is below Reporter and cannot read pipelines (403). */
async function belowReporter(api: GitLabApi, scope: GitLabProject[]): Promise<string[]> {
  const reporter = new Set((await api.memberProjects(REPORTER)).map((p) => p.id));
  const doubtful = scope.filter((p) => !reporter.has(p.id)).slice(0, ROLE_PROBES);
  const below: string[] = [];
  for (const p of doubtful) {
    try {
      await api.page(`/projects/${idOf(p.id)}/pipelines`, {}, 1);
    } catch (err) {
      if ((err as { upstreamStatus?: number }).upstreamStatus !== 403) throw err;
      below.push(p.path_with_namespace);
    }
  }
  return below;
}

/** Validate Connection: token, its scopes and expiry, the projects in scope, the role on them. */
export async function validateGitLab(ctx: ConnectorContext<GitLabSettings>): Promise<ValidationReport> {
  return runChecks(STEPS, async (pass) => {
    const api = await gitlabApi(ctx).catch((err: unknown) => {
      throw new CheckFailed('invalid_credentials', (err as Error).message);
    });
    const user = await api.user().catch((err: unknown) => {
      if (err instanceof SignInNeeded) throw new CheckFailed('invalid_credentials', err.message);
      throw fromUpstream(err, 'read the signed-in user');
    });
    pass(0, `GitLab accepted the token of ${user.username}${user.bot === true ? ' (a bot user)' : ''}.`);
    if (api.auth.kind === 'pat') pass(1, await checkPat(api, ctx.clock.now()));
    else pass(1, 'The OAuth authorization is active.');
    const scope = await resolveProjects(api, ctx.settings).catch((err: unknown) => {
      if (err instanceof ScopeError) throw new CheckFailed('no_resources', err.message);
      throw fromUpstream(err, 'list projects');
    });
    const names = scope.map((p) => p.path_with_namespace);
    pass(2, `${scope.length} project(s) in scope: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}.`);
    const below = await belowReporter(api, scope).catch((err: unknown) => {
      throw fromUpstream(err, 'read pipelines');
    });
    if (below.length > 0) {
      throw new CheckFailed(
        'invalid_permissions',
        `Your role is below Reporter on ${below.join(', ')}: pipelines, jobs and deployments cannot be read there. ` +
          'Ask for the Reporter role, or exclude those projects.',
      );
    }
    pass(3, `${user.username} can read pipelines and deployments of every project in scope.`);
  });
}
