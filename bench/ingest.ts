// Load generation for the ingestion endpoints: closed-loop clients, each sending its next request as soon
// as the previous one is answered, for a fixed time or a fixed number of requests.
import { performance } from 'node:perf_hooks';
import type { HttpClient } from './http.js';
import type { StoreKind } from './protocol.js';
import type { RunFactory } from './runs.js';

export type Mode = 'single' | 'bulk';

export interface Scenario {
  /** Short label, e.g. `single c=8`. */
  name: string;
  mode: Mode;
  /** Concurrent clients, each with at most one request in flight. */
  clients: number;
  /** Runs per request: 1 for single, the NDJSON line count for bulk. */
  runsPerRequest: number;
  /** A round lasts this many requests per client (bulk: a request takes seconds); else a fixed time. */
  requestsPerClient?: number;
  /** Stores to run it on (default both). */
  stores?: readonly StoreKind[];
}

/** How long a round lasts: a time (requests in flight at the deadline finish) or a request count per client. */
export type RoundLength = { seconds: number } | { requestsPerClient: number };

export const SINGLE_PATH = '/v1/custom-cicd';
export const BULK_PATH = '/v1/custom-cicd/bulk';

export interface RoundLoad {
  /** Runs the server accepted: 2xx answers (single) or accepted lines of 2xx answers (bulk). */
  accepted: number;
  /** Of those, how many the server reported as newly created. */
  created: number;
  requests: number;
  /** Wall time from the first request sent to the last answer received. */
  seconds: number;
  /** One entry per request, in milliseconds (send to full answer read). */
  latenciesMs: number[];
  /** Non-2xx answers, rejected lines and socket errors, described. */
  errors: string[];
}

interface BulkAnswer {
  accepted?: number;
  rejected?: number;
  results?: { status: string }[];
}

/** Runs one round of a scenario against the server. */
export async function loadRound(
  http: HttpClient,
  key: string,
  scenario: Scenario,
  factory: RunFactory,
  length: RoundLength,
): Promise<RoundLoad> {
  const out: RoundLoad = { accepted: 0, created: 0, requests: 0, seconds: 0, latenciesMs: [], errors: [] };
  const single = scenario.mode === 'single';
  const path = single ? SINGLE_PATH : BULK_PATH;
  const headers = {
    authorization: `ApiKey ${key}`,
    'content-type': single ? 'application/json' : 'application/x-ndjson',
  };
  const make = (): string => (single ? factory.next() : factory.ndjson(scenario.runsPerRequest));

  const record = (status: number, text: string): void => {
    if (single) {
      if (status === 201 || status === 200) {
        out.accepted++;
        if (status === 201) out.created++;
      } else out.errors.push(`${status} ${text.slice(0, 300)}`);
      return;
    }
    if (status !== 200 && status !== 207) {
      out.errors.push(`${status} ${text.slice(0, 300)}`);
      return;
    }
    const body = JSON.parse(text) as BulkAnswer;
    out.accepted += body.accepted ?? 0;
    out.created += (body.results ?? []).filter((r) => r.status === 'created').length;
    if ((body.rejected ?? 0) > 0 || body.accepted !== scenario.runsPerRequest) {
      out.errors.push(`${status}: ${body.accepted} accepted, ${body.rejected} rejected of ${scenario.runsPerRequest}`);
    }
  };

  const client = async (deadline: number): Promise<void> => {
    const limit = 'seconds' in length ? Number.POSITIVE_INFINITY : length.requestsPerClient;
    const more = (sent: number): boolean => sent < limit && performance.now() < deadline;
    let next = make();
    for (let sent = 0; more(sent); sent++) {
      const body = next;
      const t0 = performance.now();
      const answer = http.post(path, body, headers);
      // Make the next body while this one is in flight, so the client's JSON work overlaps the server's.
      next = sent + 1 < limit ? make() : '';
      try {
        const res = await answer;
        out.latenciesMs.push(performance.now() - t0);
        out.requests++;
        record(res.status, res.text);
      } catch (err) {
        out.requests++;
        out.errors.push(`socket: ${(err as Error).message}`);
      }
    }
  };

  const start = performance.now();
  const deadline = 'seconds' in length ? start + length.seconds * 1000 : Number.POSITIVE_INFINITY;
  await Promise.all(Array.from({ length: scenario.clients }, () => client(deadline)));
  out.seconds = (performance.now() - start) / 1000;
  return out;
}
