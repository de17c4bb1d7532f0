import type { CollectRequest, ConnectorContext, RawPage, RawRecord } from '../connector.js';
import { type GitLabApi, type GitLabProject, PER_PAGE } from './api.js';
import { gitlabApi } from './auth.js';
import { resolveProjects } from './scope.js';
import type { GitLabSettings } from './spec.js';
import { isFinalDeployment, isFinalMergeRequest, isFinalPipeline } from './status.js';

const DAY_MS = 86_400_000;
// Re-read a little before the cursor: a row may commit with an updated_at just behind the newest one seen.
const OVERLAP_MS = 2 * 60_000;
// Commits are filtered by committed date, and a merge can bring commits committed days earlier onto the
// default branch: each sync reads that much back (merge requests' own commits fill in the rest).
const COMMIT_LOOKBACK_MS = 3 * DAY_MS;

/** Per project and stream: everything updated (or committed) before `since` is stored. */
export interface WindowCursor {
  since: string;
}

/** The projects stream remembers which project ids it listed, to notice the ones that vanish, and which are gone. */
export interface ProjectsCursor {
  ids: number[];
  gone?: number[];
}

type Query = Record<string, string | number | boolean>;

// Rows of a page are expanded (a pipeline's detail and jobs, a merge request's commits and notes) a few at
// a time: the upstream's latency overlaps, the rate budget still paces every request.
const EXPAND_CONCURRENCY = 4;

/** `fn` over `items`, at most `limit` at once, answers in order; the first failure rejects. */
async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function parseWindow(value: unknown): WindowCursor | undefined {
  const since = (value as { since?: unknown } | undefined)?.since;
  return typeof since === 'string' && !Number.isNaN(Date.parse(since)) ? { since } : undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The projects in scope, listed once per job and shared by its streams. */
async function projectsOf(ctx: ConnectorContext<GitLabSettings>, api: GitLabApi): Promise<GitLabProject[]> {
  const known = ctx.memo?.get('gitlab.projects') as Promise<GitLabProject[]> | undefined;
  if (known !== undefined) return known;
  const listing = resolveProjects(api, ctx.settings);
  ctx.memo?.set('gitlab.projects', listing);
  listing.catch(() => ctx.memo?.delete('gitlab.projects'));
  return listing;
}

/**
 * Pages of a list sorted by `updated_at` ascending with an `updated_after` filter (`>=` on GitLab). After
 * each full page the filter moves to the last row's time and paging starts again at page 1, so rows
 * updated (moved to the end) or deleted while paging cannot shift an unseen row past us. Only when a
 * whole page shares the anchor's time does it page on by number.
 */
async function* updatedWindow<T extends { updated_at?: string }>(
  api: GitLabApi,
  path: string,
  query: Query,
  from: string,
  now: number,
): AsyncGenerator<{ items: T[]; request: RawPage['request']; anchor: string; last: boolean }> {
  let anchor = from;
  let page = 1;
  for (;;) {
    const res = await api.page<T>(path, { ...query, order_by: 'updated_at', sort: 'asc', updated_after: anchor }, page);
    const lastTime = res.items.at(-1)?.updated_at;
    const last = res.nextPage === undefined || res.items.length < PER_PAGE;
    // A complete scan has seen everything updated before this last answer: by GitLab's clock when it
    // says (ours may be ahead of it), else by ours.
    const seenUpTo = last ? iso(Math.min(now, res.serverTime ?? now)) : (lastTime ?? anchor);
    const through = lastTime !== undefined && lastTime > seenUpTo ? lastTime : seenUpTo;
    yield { items: res.items, request: res.request, anchor: through, last };
    if (last) return;
    if (lastTime !== undefined && lastTime !== anchor) {
      anchor = lastTime;
      page = 1;
    } else page = res.nextPage ?? page + 1;
  }
}

const GONE = Symbol('gone');

/** A 404 for one row (its detail, commits or notes) while its project answers: deleted since it was listed. */
function goneSinceListed(err: unknown): boolean {
  const e = err as { upstreamStatus?: number; upstreamMessage?: string };
  return e.upstreamStatus === 404 && !/project not found/i.test(e.upstreamMessage ?? '');
}

interface StreamSpec<T> {
  path: (p: GitLabProject) => string;
  query?: Query;
  key: (p: GitLabProject, item: T) => string;
  final: (item: T) => boolean;
  /** What else a row needs (its commits, notes, jobs...), fetched per row and kept with it. */
  expand?: (api: GitLabApi, p: GitLabProject, item: T) => Promise<unknown>;
}

const pipelines: StreamSpec<{ id: number; status: string; updated_at?: string }> = {
  path: (p) => `/projects/${p.id}/pipelines`,
  key: (p, i) => `${p.id}#${i.id}`,
  final: (i) => isFinalPipeline(i.status),
  expand: async (api, p, i) => {
    const detail = (await api.get<Record<string, unknown>>(`/projects/${p.id}/pipelines/${i.id}`)).body;
    const jobs = await api.all(`/projects/${p.id}/pipelines/${i.id}/jobs`, { include_retried: true });
    return { pipeline: detail, jobs };
  },
};

const mergeRequests: StreamSpec<{ iid: number; state: string; updated_at?: string }> = {
  path: (p) => `/projects/${p.id}/merge_requests`,
  query: { state: 'all', scope: 'all' },
  key: (p, i) => `${p.id}!${i.iid}`,
  final: (i) => isFinalMergeRequest(i.state),
  expand: async (api, p, i) => ({
    merge_request: i,
    commits: await api.all(`/projects/${p.id}/merge_requests/${i.iid}/commits`),
    notes: await api.all(`/projects/${p.id}/merge_requests/${i.iid}/notes`, { sort: 'asc', order_by: 'created_at' }),
  }),
};

const deployments: StreamSpec<{ id: number; status: string; updated_at?: string }> = {
  path: (p) => `/projects/${p.id}/deployments`,
  key: (p, i) => `${p.id}@${i.id}`,
  final: (i) => isFinalDeployment(i.status),
};

// Incidents are issues of type incident. A project whose issues are turned off lists none (GitLab's finder
// drops it); a 403 or 404 there (newer token permission checks, a project gone) skips it like any stream.
const incidents: StreamSpec<{ iid: number; state: string; updated_at?: string }> = {
  path: (p) => `/projects/${p.id}/issues`,
  query: { issue_type: 'incident', state: 'all', scope: 'all' },
  key: (p, i) => `${p.id}#${i.iid}`,
  // A closed incident can be reopened, but then its updated_at moves and the window reads it again.
  final: (i) => i.state === 'closed',
};

const WINDOWED: Record<string, StreamSpec<never>> = {
  merge_requests: mergeRequests as StreamSpec<never>,
  pipelines: pipelines as StreamSpec<never>,
  deployments: deployments as StreamSpec<never>,
  incidents: incidents as StreamSpec<never>,
};

async function* windowStream(
  api: GitLabApi,
  stream: string,
  spec: StreamSpec<{ updated_at?: string }>,
  p: GitLabProject,
  from: string,
  saved: string | undefined,
  now: number,
  progress: RawPage['progress'],
): AsyncGenerator<RawPage> {
  for await (const page of updatedWindow<{ updated_at?: string }>(api, spec.path(p), spec.query ?? {}, from, now)) {
    const expanded = await mapPool(page.items, EXPAND_CONCURRENCY, (item) =>
      spec.expand === undefined
        ? Promise.resolve(item)
        : spec.expand(api, p, item).catch((err: unknown) => {
            if (goneSinceListed(err)) return GONE;
            throw err;
          }),
    );
    // A row deleted between its listing and its expansion is gone upstream: left out, the rest of the page kept.
    const records: RawRecord[] = page.items.flatMap((item, i) =>
      expanded[i] === GONE
        ? []
        : [
            {
              key: spec.key(p, item),
              data: { project_id: p.id, project_path: p.path_with_namespace, ...(expanded[i] as object) },
              final: spec.final(item),
            },
          ],
    );
    // Never behind the saved point: an empty window answers its own start, which is before it.
    const cursor: WindowCursor = { since: saved !== undefined && saved > page.anchor ? saved : page.anchor };
    yield { stream, scope: String(p.id), request: page.request, records, cursor, progress };
  }
}

/** Default-branch commits since the cursor (by committed date, newest first): the cursor moves at the end. */
async function* commitStream(
  api: GitLabApi,
  p: GitLabProject,
  from: string,
  saved: string | undefined,
  progress: RawPage['progress'],
): AsyncGenerator<RawPage> {
  if (p.default_branch === undefined || p.default_branch === null) return; // an empty repository
  let newest = saved ?? from;
  const pages = api.pages<{ id: string; committed_date?: string }>(`/projects/${p.id}/repository/commits`, {
    ref_name: p.default_branch,
    since: from,
    with_stats: true,
  });
  for await (const res of pages) {
    for (const c of res.items)
      if (c.committed_date !== undefined && c.committed_date > newest) newest = c.committed_date;
    yield {
      stream: 'commits',
      scope: String(p.id),
      request: res.request,
      records: res.items.map((c) => ({
        key: `${p.id}:${c.id}`,
        data: { project_id: p.id, project_path: p.path_with_namespace, default_branch: p.default_branch, ...c },
        final: true,
      })),
      // Newest first: the saved point may only move once every page is in.
      ...(res.nextPage === undefined ? { cursor: { since: iso(Date.parse(newest)) } satisfies WindowCursor } : {}),
      progress,
    };
  }
}

/** A project's environments, the whole (short) list each sync: GitLab has no updated_after for them. */
async function* environmentStream(
  api: GitLabApi,
  p: GitLabProject,
  progress: RawPage['progress'],
): AsyncGenerator<RawPage> {
  for await (const res of api.pages<{ id: number }>(`/projects/${p.id}/environments`)) {
    yield {
      stream: 'environments',
      scope: String(p.id),
      request: res.request,
      records: res.items.map((e) => ({
        key: `${p.id}~${e.id}`,
        data: { project_id: p.id, project_path: p.path_with_namespace, ...e },
        final: true,
      })),
      progress,
    };
  }
}

/** Projects listed before and missing now: asked for one by one; deleted or hidden ones are reported gone. */
async function* vanished(api: GitLabApi, before: number[], now: Set<number>): AsyncGenerator<RawRecord> {
  for (const id of before.filter((i) => !now.has(i))) {
    try {
      await api.project(id); // still there, only out of scope now (settings changed): nothing to say
    } catch (err) {
      const status = (err as { upstreamStatus?: number }).upstreamStatus;
      if (status !== 404 && status !== 403) throw err;
      // Its own key: the project's last listing stays in the raw layer, so replay can rebuild it.
      yield {
        key: `${id}:gone`,
        data: { id, gone: true, status, message: (err as { upstreamMessage?: string }).upstreamMessage ?? null },
        final: true,
      };
    }
  }
}

/** The pages of one GitLab stream. */
export async function* collectGitLab(
  ctx: ConnectorContext<GitLabSettings>,
  req: CollectRequest,
): AsyncGenerator<RawPage> {
  const api = await gitlabApi(ctx);
  const projects = await projectsOf(ctx, api);
  if (req.stream === 'projects') {
    const saved = req.cursors.get('*') as ProjectsCursor | undefined;
    const ids = new Set(projects.map((p) => p.id));
    const markers: RawRecord[] = [];
    for await (const r of vanished(api, saved?.ids ?? [], ids)) markers.push(r);
    // Gone before and listed again: back (its marker says so, for replay).
    const back = (saved?.gone ?? []).filter((id) => ids.has(id));
    for (const id of back) markers.push({ key: `${id}:gone`, data: { id, gone: false }, final: true });
    const gone = new Set([
      ...(saved?.gone ?? []),
      ...markers.filter((m) => (m.data as { gone: boolean }).gone).map((m) => (m.data as { id: number }).id),
    ]);
    for (const id of back) gone.delete(id);
    yield {
      stream: 'projects',
      scope: '*',
      request: { method: 'GET', url: '/api/v4/projects' },
      records: [...projects.map((p) => ({ key: String(p.id), data: p, final: true })), ...markers],
      cursor: { ids: [...ids].sort((a, b) => a - b), gone: [...gone].sort((a, b) => a - b) } satisfies ProjectsCursor,
    };
    return;
  }
  const start = iso(ctx.clock.now() - (ctx.settings.history_days ?? 90) * DAY_MS);
  for (const [i, p] of projects.entries()) {
    const saved = req.full ? undefined : parseWindow(req.cursors.get(String(p.id)));
    const progress = { label: p.path_with_namespace, done: i, total: projects.length };
    const back = req.stream === 'commits' ? COMMIT_LOOKBACK_MS : OVERLAP_MS;
    const from = saved === undefined ? start : iso(Math.max(Date.parse(start), Date.parse(saved.since) - back));
    const spec = WINDOWED[req.stream] as StreamSpec<{ updated_at?: string }> | undefined;
    const own = req.stream === 'commits' || req.stream === 'environments';
    if (!own && spec === undefined) throw new Error(`GitLab has no stream "${req.stream}".`);
    try {
      yield* req.stream === 'commits'
        ? commitStream(api, p, from, saved?.since, progress)
        : req.stream === 'environments'
          ? environmentStream(api, p, progress)
          : windowStream(api, req.stream, spec!, p, from, saved?.since, ctx.clock.now(), progress);
    } catch (err) {
      // One project gone since the listing, or a role too low on it: the others still sync. The next
      // projects stream marks it gone; a token without the scope fails everywhere and stops the job.
      const e = err as { upstreamStatus?: number; body?: { error?: unknown } };
      const projectOnly = e.upstreamStatus === 404 || (e.upstreamStatus === 403 && e.body?.error === undefined);
      if (!projectOnly) throw err;
      ctx.log({
        level: 'warn',
        msg: 'project skipped',
        stream: req.stream,
        project: p.path_with_namespace,
        status: e.upstreamStatus,
      });
    }
  }
}
