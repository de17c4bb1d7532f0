import type { CollectRequest, ConnectorContext, RawPage, RawRecord } from '../connector.js';
import { EXECUTION_PAGE, type ExecutionSummary, HarnessApi } from './api.js';
import { isFinalStatus } from './status.js';
import { resolveScope, type ProjectRef } from './scope.js';
import type { HarnessSettings } from './spec.js';

/** Per project: executions started up to `since` are stored; `pending` ones were still running. */
export interface ExecutionCursor {
  since: number;
  pending: string[];
}

const DAY_MS = 86_400_000;
// Re-read a little before the cursor: an execution may appear with a start time just behind it.
const OVERLAP_MS = 10 * 60_000;
const PENDING_CHUNK = 100;

function toRecord(e: ExecutionSummary): RawRecord {
  return { key: e.planExecutionId, data: e, final: isFinalStatus(e.status) };
}

function parseCursor(value: unknown): ExecutionCursor | undefined {
  const c = value as Partial<ExecutionCursor> | undefined;
  if (c === undefined || typeof c.since !== 'number' || !Array.isArray(c.pending)) return undefined;
  return { since: c.since, pending: c.pending.filter((p): p is string => typeof p === 'string') };
}

async function* projectExecutions(
  api: HarnessApi,
  ref: ProjectRef,
  cursor: ExecutionCursor,
  now: number,
  progress: RawPage['progress'],
): AsyncGenerator<RawPage> {
  const scope = `${ref.org}/${ref.project}`;
  const pending = new Set(cursor.pending);
  let since = cursor.since;
  // Every page carries the cursor as it stands once the page is stored.
  async function* scan(filter: Record<string, unknown>, seen: (items: ExecutionSummary[], last: boolean) => void) {
    for (let page = 0; ; page++) {
      const request = api.summaryRequest(ref.org, ref.project, page, EXECUTION_PAGE, filter);
      const { items, last } = await api.executionPage(request);
      seen(items, last);
      const records = items.map(toRecord);
      yield { stream: 'executions', scope, request, records, cursor: { since, pending: [...pending] }, progress };
      if (last) return;
    }
  }
  // First revisit the executions that were still running, until they are final.
  const revisit = [...pending];
  for (let i = 0; i < revisit.length; i += PENDING_CHUNK) {
    yield* scan({ planExecutionIds: revisit.slice(i, i + PENDING_CHUNK) }, (items) => {
      for (const e of items) if (isFinalStatus(e.status)) pending.delete(e.planExecutionId);
    });
  }
  // Then everything that started since the cursor, oldest first.
  const from = Math.max(0, since - OVERLAP_MS);
  yield* scan({ timeRange: { startTime: from, endTime: now } }, (items, last) => {
    for (const e of items) {
      if (typeof e.startTs === 'number') since = Math.max(since, e.startTs);
      if (isFinalStatus(e.status)) pending.delete(e.planExecutionId);
      else pending.add(e.planExecutionId);
    }
    // A complete scan covers everything up to `now`: the next one starts there (less the overlap).
    if (last) since = Math.max(since, now);
  });
}

/** The pages of one Harness stream. */
export async function* collectHarness(
  ctx: ConnectorContext<HarnessSettings>,
  req: CollectRequest,
): AsyncGenerator<RawPage> {
  const api = new HarnessApi(ctx.settings, ctx);
  const orgs = await api.orgs();
  if (req.stream === 'organizations') {
    yield {
      stream: 'organizations',
      scope: '*',
      request: { method: 'GET', url: '/v1/orgs' },
      records: orgs.map((o) => ({ key: o.org.identifier, data: o, final: true })),
    };
    return;
  }
  const scope = await resolveScope(api, ctx.settings, orgs);
  if (req.stream === 'projects') {
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
    return;
  }
  const now = ctx.clock.now();
  const start = now - (ctx.settings.history_days ?? 90) * DAY_MS;
  for (const [i, ref] of scope.entries()) {
    const saved = req.full ? undefined : parseCursor(req.cursors.get(`${ref.org}/${ref.project}`));
    const progress = { label: `${ref.org}/${ref.project}`, done: i, total: scope.length };
    yield* projectExecutions(api, ref, saved ?? { since: start, pending: [] }, now, progress);
  }
}
