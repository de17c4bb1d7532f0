import type { CollectRequest, ConnectorContext, RawPage, RawRecord } from '../connector.js';
import { EXECUTION_PAGE, type ExecutionSummary, HarnessApi } from './api.js';
import { isFinalStatus } from './status.js';
import { resolveScope, type ProjectRef } from './scope.js';
import type { HarnessSettings } from './spec.js';

/** An execution seen running: revisited until final. `startTs` null in cursors saved before it was kept. */
export interface PendingExecution {
  id: string;
  startTs: number | null;
}

/** Per project: executions started up to `since` are stored; `pending` ones were still running. */
export interface ExecutionCursor {
  since: number;
  pending: PendingExecution[];
}

const DAY_MS = 86_400_000;
// Re-read a little before the cursor: an execution may appear with a start time just behind it.
const OVERLAP_MS = 10 * 60_000;
// Running executions that started at most this long before the window are caught by widening the
// window (no extra request); older ones (waiting on an approval for days) are asked for by id.
const WIDEN_MAX_MS = 60 * 60_000;
const PENDING_CHUNK = 100;

function toRecord(e: ExecutionSummary): RawRecord {
  return { key: e.planExecutionId, data: e, final: isFinalStatus(e.status) };
}

function parsePending(p: unknown): PendingExecution | undefined {
  if (typeof p === 'string') return { id: p, startTs: null };
  const o = p as Partial<PendingExecution> | null;
  if (typeof o?.id !== 'string') return undefined;
  return { id: o.id, startTs: typeof o.startTs === 'number' ? o.startTs : null };
}

function parseCursor(value: unknown): ExecutionCursor | undefined {
  const c = value as { since?: unknown; pending?: unknown } | undefined;
  if (c === undefined || typeof c.since !== 'number' || !Array.isArray(c.pending)) return undefined;
  return { since: c.since, pending: c.pending.map(parsePending).filter((p) => p !== undefined) };
}

async function* projectExecutions(
  api: HarnessApi,
  ref: ProjectRef,
  cursor: ExecutionCursor,
  now: number,
  progress: RawPage['progress'],
): AsyncGenerator<RawPage> {
  const scope = `${ref.org}/${ref.project}`;
  const pending = new Map(cursor.pending.map((p) => [p.id, p]));
  let since = cursor.since;
  const state = (): ExecutionCursor => ({ since, pending: [...pending.values()] });
  const seen = (e: ExecutionSummary): void => {
    if (isFinalStatus(e.status)) pending.delete(e.planExecutionId);
    else pending.set(e.planExecutionId, { id: e.planExecutionId, startTs: e.startTs ?? null });
  };
  // Every page carries the cursor as it stands once the page is stored. A time window is read oldest first
  // and, after each full page, again from the last start time seen at page 0 (the range is inclusive):
  // executions deleted while paging cannot shift an unread one onto a page already read. Only when a whole
  // page shares that start time does it page on by number.
  async function* scan(filter: Record<string, unknown>, onPage: (items: ExecutionSummary[], last: boolean) => void) {
    let window = filter;
    for (let page = 0; ;) {
      const request = api.summaryRequest(ref.org, ref.project, page, EXECUTION_PAGE, window);
      const { items, last } = await api.executionPage(request);
      onPage(items, last);
      yield { stream: 'executions', scope, request, records: items.map(toRecord), cursor: state(), progress };
      if (last) return;
      const range = window['timeRange'] as { startTime: number; endTime: number } | undefined;
      const lastStart = items.at(-1)?.startTs;
      if (range !== undefined && typeof lastStart === 'number' && lastStart > range.startTime) {
        window = { ...window, timeRange: { ...range, startTime: lastStart } };
        page = 0;
      } else page++;
    }
  }
  // The window: everything that started since the cursor (less the overlap), widened to take in the
  // executions that were running when it was saved if they started shortly before it.
  let from = Math.max(0, since - OVERLAP_MS);
  const recent = cursor.pending.filter((p) => p.startTs !== null && p.startTs >= from - WIDEN_MAX_MS);
  for (const p of recent) from = Math.min(from, p.startTs!);
  // First revisit by id the running executions the window does not cover, until they are final.
  const revisit = cursor.pending.filter((p) => p.startTs === null || p.startTs < from).map((p) => p.id);
  for (let i = 0; i < revisit.length; i += PENDING_CHUNK) {
    const ids = revisit.slice(i, i + PENDING_CHUNK);
    const found = new Set<string>();
    yield* scan({ planExecutionIds: ids }, (items, last) => {
      for (const e of items) {
        found.add(e.planExecutionId);
        if (isFinalStatus(e.status)) pending.delete(e.planExecutionId);
      }
      // Asked for by id and not answered: deleted upstream, nothing left to wait for.
      if (last) for (const id of ids) if (!found.has(id)) pending.delete(id);
    });
  }
  // Then the window, oldest first.
  const found = new Set<string>();
  yield* scan({ timeRange: { startTime: from, endTime: now } }, (items, last) => {
    for (const e of items) {
      found.add(e.planExecutionId);
      if (typeof e.startTs === 'number') since = Math.max(since, e.startTs);
      seen(e);
    }
    if (!last) return;
    // Running ones that started inside the window and were not in it are gone upstream.
    for (const p of recent) if (!found.has(p.id)) pending.delete(p.id);
    // A complete scan covers everything up to `now`: the next one starts there (less the overlap).
    since = Math.max(since, now);
  });
}

/** One API client per job (one rate budget), and the orgs and projects listed once for all streams. */
function jobApi(ctx: ConnectorContext<HarnessSettings>): HarnessApi {
  const known = ctx.memo?.get('harness.api');
  if (known instanceof HarnessApi) return known;
  const api = new HarnessApi(ctx.settings, ctx, { memoizeLists: ctx.memo !== undefined });
  ctx.memo?.set('harness.api', api);
  return api;
}

/**
 * What each stream remembers of the last listing of organizations and projects (cursor scope "*"): when,
 * for which settings, and (executions) which projects. Within DISCOVERY_TTL_MS and with the same
 * settings, an incremental sync does not list them again: with nothing new it asks once per project.
 */
interface DiscoveryCursor {
  listedAt: number;
  settingsKey: string;
  projects?: string[];
}

// New projects and renamed organizations show up within this time (a full sync lists them at once).
export const DISCOVERY_TTL_MS = 6 * 3_600_000;

const settingsKey = (s: HarnessSettings): string =>
  JSON.stringify([s.url ?? '', s.account_id, s.organizations ?? '', s.projects ?? '']);

function freshDiscovery(ctx: ConnectorContext<HarnessSettings>, req: CollectRequest): DiscoveryCursor | undefined {
  if (req.full) return undefined;
  const c = req.cursors.get('*') as Partial<DiscoveryCursor> | undefined;
  if (typeof c?.listedAt !== 'number' || c.settingsKey !== settingsKey(ctx.settings)) return undefined;
  const age = ctx.clock.now() - c.listedAt;
  return age >= 0 && age < DISCOVERY_TTL_MS ? (c as DiscoveryCursor) : undefined;
}

const listed = (ctx: ConnectorContext<HarnessSettings>, stream: string, projects?: ProjectRef[]): RawPage => ({
  stream,
  scope: '*',
  request: { method: 'GET', url: '/v1/orgs' },
  records: [],
  cursor: {
    listedAt: ctx.clock.now(),
    settingsKey: settingsKey(ctx.settings),
    ...(projects === undefined ? {} : { projects: projects.map((p) => `${p.org}/${p.project}`) }),
  } satisfies DiscoveryCursor,
});

/** The pages of one Harness stream. */
export async function* collectHarness(
  ctx: ConnectorContext<HarnessSettings>,
  req: CollectRequest,
): AsyncGenerator<RawPage> {
  const api = jobApi(ctx);
  const fresh = freshDiscovery(ctx, req);
  if (req.stream === 'organizations') {
    if (fresh !== undefined) return;
    const orgs = await api.orgs();
    yield {
      stream: 'organizations',
      scope: '*',
      request: { method: 'GET', url: '/v1/orgs' },
      records: orgs.map((o) => ({ key: o.org.identifier, data: o, final: true })),
      cursor: listed(ctx, req.stream).cursor,
    };
    return;
  }
  if (req.stream === 'projects') {
    if (fresh !== undefined) return;
    const scope = await resolveScope(api, ctx.settings, await api.orgs());
    for (const org of [...new Set(scope.map((s) => s.org))]) {
      const projects = (await api.projects(org)).filter((p) =>
        scope.some((s) => s.org === org && s.project === p.project.identifier),
      );
      yield {
        stream: 'projects',
        scope: org,
        request: { method: 'GET', url: `/v1/orgs/${org}/projects` },
        records: projects.map((p) => ({ key: `${org}/${p.project.identifier}`, data: p, final: true })),
      };
    }
    yield listed(ctx, req.stream);
    return;
  }
  const scope =
    fresh?.projects !== undefined
      ? fresh.projects.map((p) => ({ org: p.slice(0, p.indexOf('/')), project: p.slice(p.indexOf('/') + 1) }))
      : await resolveScope(api, ctx.settings, await api.orgs());
  const now = ctx.clock.now();
  const start = now - (ctx.settings.history_days ?? 90) * DAY_MS;
  for (const [i, ref] of scope.entries()) {
    const saved = req.full ? undefined : parseCursor(req.cursors.get(`${ref.org}/${ref.project}`));
    const progress = { label: `${ref.org}/${ref.project}`, done: i, total: scope.length };
    try {
      yield* projectExecutions(api, ref, saved ?? { since: start, pending: [] }, now, progress);
    } catch (err) {
      // A project deleted since it was listed: the others still sync, and the next listing drops it.
      if ((err as { upstreamStatus?: number }).upstreamStatus !== 404 || fresh === undefined) throw err;
      ctx.log({ level: 'warn', msg: 'project skipped', project: progress.label, status: 404 });
    }
  }
  if (fresh?.projects === undefined) yield listed(ctx, req.stream, scope);
}
