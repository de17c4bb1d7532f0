// The test-facing controls of a running fake: the clock, tokens and OAuth, roles and project settings,
// inserting and deleting history (so a test can change data between two pages), faults and the request log.

import type { Server } from 'node:http';
import type { FakeClock } from '../common/clock.js';
import type { FaultSpec, TruncateMode } from '../common/faults.js';
import { close } from '../common/http.js';
import type { AuthVia, Scope, TokenStore } from './auth.js';
import type { FaultController } from './faults.js';
import type { Group, Issue, IssueSeverity, Pipeline, Project, User, Visibility } from './model.js';
import type { OAuthApp, OAuthAppSpec, OAuthProvider } from './oauth.js';
import type { RateLimiter } from './rate-limit.js';
import { closeIssue, openIssue, reopenIssue } from './sim-incidents.js';
import { createPipeline, headPipeline } from './sim-pipelines.js';
import type { World } from './world.js';

export interface ServerState {
  world: World;
  clock: FakeClock;
  tokens: TokenStore;
  oauth: OAuthProvider;
  faults: FaultController;
  limiter: RateLimiter;
  log: RequestLogEntry[];
  onRequest: ((entry: RequestLogEntry) => void) | null;
  baseUrl: string;
  totalsThreshold: number;
  maxOffset: number;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** The raw path (project paths stay URL-encoded), without the query. */
  path: string;
  /** Query parameters; token, code and secret values are replaced by "[redacted]". */
  query: Record<string, string[]>;
  status: number;
  /** How the request carried its credential (never the value). */
  auth: AuthVia;
  tokenKind: 'pat' | 'oauth' | null;
  /** The authenticated user's username. */
  user: string | null;
  /** The fake's clock when the request arrived. */
  at: number;
}

export interface TokenSpec {
  /** Default: the main user. */
  username?: string;
  scopes?: Scope[];
  /** `YYYY-MM-DD` or null (default: a year from now). */
  expiresAt?: string | null;
  name?: string;
}

/** An incident opened by hand (defaults: a made-up title, `service::<project path>`, severity HIGH, the main user). */
export interface IncidentSpec {
  title?: string;
  labels?: string[];
  severity?: IssueSeverity;
  username?: string;
}

export interface FakeGitLab {
  /** Base URL (no trailing slash): the "GitLab URL" a connector is configured with. */
  readonly url: string;
  /** `${url}/api/v4`. */
  readonly apiUrl: string;
  /** An `api`-scoped personal access token of the main user. */
  readonly token: string;
  readonly user: { id: number; username: string };
  /** The OAuth application registered at start. */
  readonly oauth: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    authorizeUrl: string;
    tokenUrl: string;
  };
  readonly world: World;
  now(): number;
  /** Moves the clock: pipelines finish, MRs get notes and merge, new work appears. */
  advance(ms: number): void;
  addToken(spec?: TokenSpec): string;
  revokeToken(token: string): void;
  /** PATs: expires_at becomes today (expired from now on); OAuth tokens: expire now. */
  expireToken(token: string): void;
  addOAuthApp(spec: OAuthAppSpec): OAuthApp;
  setOAuthUser(username: string): void;
  setOAuthConsent(consent: 'approve' | 'deny'): void;
  setOAuthTokenLifetime(seconds: number): void;
  /** An OAuth token as if the code flow had run. */
  issueOAuthToken(spec?: { username?: string; scopes?: Scope[] }): { accessToken: string; refreshToken: string };
  project(idOrPath: string | number): Project;
  deleteProject(idOrPath: string | number): void;
  setVisibility(idOrPath: string | number, visibility: Visibility): void;
  makePrivate(idOrPath: string | number): void;
  archiveProject(idOrPath: string | number, archived?: boolean): void;
  /** Direct project membership (null removes it); the effective level is the highest with group memberships. */
  setRole(username: string, project: string | number, level: number | null): void;
  setGroupRole(username: string, group: string | number, level: number | null): void;
  setPublicPipelines(project: string | number, enabled: boolean): void;
  /** A pipeline created now on the default branch head (returns it; it runs as the clock advances). */
  addPipeline(project: string | number, spec?: { source?: 'push' | 'web' | 'schedule'; username?: string }): Pipeline;
  /** A direct push to the default branch now; its pipeline starts a few seconds later. */
  push(project: string | number, username?: string): void;
  /** Opens a merge request now, with a whole planned review ahead of it; returns its iid. */
  openMergeRequest(project: string | number, username?: string): number;
  /** Opens an incident now (it stays open until closed by hand); returns its iid. */
  openIncident(project: string | number, spec?: IncidentSpec): number;
  /** Closes an issue or incident now. */
  closeIssue(project: string | number, iid: number, username?: string): void;
  /** Reopens a closed issue or incident now (GitLab clears its closed_at). */
  reopenIssue(project: string | number, iid: number): void;
  /** Replaces an issue's labels now (its updated_at moves). */
  setIssueLabels(project: string | number, iid: number, labels: string[]): void;
  /** Turns the issues feature off or on: off, the issue list answers empty. */
  setIssuesEnabled(project: string | number, enabled: boolean): void;
  deleteIssue(project: string | number, iid: number): void;
  deletePipeline(project: string | number, id: number): void;
  deleteMergeRequest(project: string | number, iid: number): void;
  deleteDeployment(project: string | number, id: number): void;
  setLatency(ms: number): void;
  /** The next `count` matching API requests fail with this status. */
  failNext(count: number, fault: FaultSpec): void;
  /** The next `count` successful API bodies are cut in half. */
  truncateNext(count: number, mode?: TruncateMode): void;
  setRateLimitPerMinute(limit: number, unauthenticated?: number): void;
  clearFaults(): void;
  /**
   * Called with each request's log entry as it arrives, before it is answered (latency, faults, routing):
   * a test can change the data or queue faults between two page requests, deterministically. null removes it.
   */
  onRequest(hook: ((entry: RequestLogEntry) => void) | null): void;
  requests(): readonly RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

export function buildControls(state: ServerState, server: Server, mainToken: string, app: OAuthApp): FakeGitLab {
  const { world, clock, tokens, oauth, faults } = state;
  const now = () => clock.now();
  const userOf = (username?: string): User => {
    const user = username === undefined ? world.mainUser : world.user(username);
    if (!user) throw new Error(`unknown user ${username}`);
    return user;
  };
  const projectOf = (key: string | number): Project => {
    world.sync(now());
    const found = world.project(String(key));
    if (!found) throw new Error(`unknown project ${key}`);
    return found;
  };
  const groupOf = (key: string | number): Group => {
    const found = world.group(String(key));
    if (!found) throw new Error(`unknown group ${key}`);
    return found;
  };
  const tokenOf = (value: string) => {
    const found = tokens.find(value) ?? tokens.findByRefresh(value);
    if (!found) throw new Error('unknown token');
    return found;
  };
  const setLevel = (members: Map<number, number>, username: string, level: number | null) => {
    const user = userOf(username);
    if (level === null) members.delete(user.id);
    else members.set(user.id, level);
  };
  const issueOf = (key: string | number, iid: number): Issue => {
    const found = projectOf(key).issues.find((i) => i.iid === iid && !i.deleted);
    if (!found) throw new Error(`unknown issue #${iid}`);
    return found;
  };
  const remove = <T extends { deleted: boolean }>(items: T[], match: (item: T) => boolean, what: string) => {
    const found = items.find((i) => match(i) && !i.deleted);
    if (!found) throw new Error(`unknown ${what}`);
    found.deleted = true;
  };
  return {
    url: state.baseUrl,
    apiUrl: `${state.baseUrl}/api/v4`,
    token: mainToken,
    user: { id: world.mainUser.id, username: world.mainUser.username },
    oauth: {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: app.redirectUris[0] ?? '',
      authorizeUrl: `${state.baseUrl}/oauth/authorize`,
      tokenUrl: `${state.baseUrl}/oauth/token`,
    },
    world,
    now,
    advance(ms) {
      clock.advance(ms);
      world.sync(now());
    },
    addToken: (spec = {}) => tokens.addPat({ ...spec, user: userOf(spec.username) }, now()).token,
    revokeToken: (value) => void (tokenOf(value).revoked = true),
    expireToken(value) {
      const token = tokenOf(value);
      if (token.kind === 'pat') token.expiresAt = new Date(now()).toISOString().slice(0, 10);
      else token.expiresInSeconds = Math.max(0, Math.floor((now() - token.createdAt) / 1000));
    },
    addOAuthApp: (spec) => oauth.addApp(spec),
    setOAuthUser: (username) => oauth.setUser(userOf(username)),
    setOAuthConsent: (consent) => oauth.setConsent(consent),
    setOAuthTokenLifetime: (seconds) => oauth.setTokenLifetime(seconds),
    issueOAuthToken(spec = {}) {
      const token = oauth.issue(userOf(spec.username), spec.scopes ?? ['api'], app.clientId);
      return { accessToken: token.token, refreshToken: token.refreshToken };
    },
    project: projectOf,
    deleteProject: (key) => void (projectOf(key).deleted = true),
    setVisibility: (key, visibility) => void (projectOf(key).visibility = visibility),
    makePrivate: (key) => void (projectOf(key).visibility = 'private'),
    archiveProject: (key, archived = true) => void (projectOf(key).archived = archived),
    setRole: (username, key, level) => setLevel(projectOf(key).members, username, level),
    setGroupRole: (username, key, level) => setLevel(groupOf(key).members, username, level),
    setPublicPipelines: (key, enabled) => void (projectOf(key).publicPipelines = enabled),
    addPipeline(key, spec = {}) {
      const project = projectOf(key);
      const user = userOf(spec.username);
      return createPipeline(world.sim, headPipeline(world.sim, project, now(), spec.source ?? 'web', user));
    },
    push(key, username) {
      const project = projectOf(key);
      world.sim.schedule({ type: 'push', at: now(), project, author: userOf(username), hotfix: false });
      world.sync(now());
    },
    openMergeRequest(key, username) {
      const project = projectOf(key);
      world.sim.schedule({ type: 'mr-open', at: now(), project, author: userOf(username) });
      world.sync(now());
      const mr = project.mergeRequests.at(-1);
      if (!mr) throw new Error('the merge request was not opened');
      return mr.iid;
    },
    openIncident(key, spec = {}) {
      const project = projectOf(key);
      const author = userOf(spec.username);
      return openIssue(
        world.sim,
        project,
        {
          type: 'incident',
          title: spec.title ?? `Incident on ${project.name}`,
          description: '',
          author,
          assignees: [author],
          labels: spec.labels ?? [`service::${project.pathWithNamespace}`],
          severity: spec.severity ?? 'HIGH',
          closeAfterMs: null,
          closer: null,
        },
        now(),
      ).iid;
    },
    closeIssue: (key, iid, username) => closeIssue(issueOf(key, iid), userOf(username), now()),
    reopenIssue: (key, iid) => reopenIssue(issueOf(key, iid), now()),
    setIssueLabels(key, iid, labels) {
      const issue = issueOf(key, iid);
      issue.labels = [...labels];
      issue.updatedAt = now();
    },
    setIssuesEnabled: (key, enabled) => void (projectOf(key).issuesEnabled = enabled),
    deleteIssue: (key, iid) => remove(projectOf(key).issues, (i) => i.iid === iid, `issue #${iid}`),
    deletePipeline: (key, id) => remove(projectOf(key).pipelines, (p) => p.id === id, `pipeline ${id}`),
    deleteMergeRequest: (key, iid) =>
      remove(projectOf(key).mergeRequests, (m) => m.iid === iid, `merge request !${iid}`),
    deleteDeployment: (key, id) => remove(projectOf(key).deployments, (d) => d.id === id, `deployment ${id}`),
    setLatency: (ms) => faults.setLatency(ms),
    failNext: (count, fault) => faults.failNext(count, fault),
    truncateNext: (count, mode = 'json') => faults.truncateNext(count, mode),
    setRateLimitPerMinute: (limit, unauthenticated) => state.limiter.setLimit(limit, unauthenticated),
    clearFaults() {
      faults.clear();
      state.limiter.reset();
    },
    onRequest: (hook) => void (state.onRequest = hook),
    requests: () => state.log,
    clearRequests: () => void state.log.splice(0),
    close: () => close(server),
  };
}
