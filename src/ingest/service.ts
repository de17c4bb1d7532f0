import { AppError, type ErrorDetail, InputError, NotFoundError } from '../core/errors.js';
import type { Db, Queryable } from '../store/db.js';
import { type CicdInstance, findInstances } from '../store/instances.js';
import { insertRaw, upsertRuns } from '../store/runs.js';
import { parseCustomCicdRun, type WebhookRun } from './custom-cicd.js';
import { parseJson } from './json.js';

export const CUSTOM_CICD_STREAM = 'custom-cicd';
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const CHUNK = 500;

export interface Accepted {
  id: string;
  status: 'created' | 'updated';
  run_key: string;
  result: string;
}

export interface LineResult {
  line: number;
  status: 'created' | 'updated' | 'rejected';
  id?: string;
  run_key?: string;
  error?: ErrorDetail;
}

export interface BulkResult {
  received: number;
  accepted: number;
  rejected: number;
  results: LineResult[];
}

function unknownInstance(guid: string, field = 'instance_guid'): NotFoundError {
  return new NotFoundError(
    `instance_guid "${guid}" is not a CI/CD instance of this tenant. Create one with POST /v1/cicd/instances ` +
      '{"integration_id", "name", "type"} and use the GUID it answers.',
    { code: 'unknown_instance', field },
  );
}

async function withRetry<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || code === undefined || !RETRYABLE.has(code)) throw err;
    }
  }
}

/** The custom CI/CD webhook: validates, stores the raw body and the domain rows in one transaction. */
export class CustomCicdIngest {
  constructor(private readonly db: Db) {}

  async ingestOne(tenantId: string, body: unknown): Promise<Accepted> {
    const run = parseCustomCicdRun(body);
    const instance = (await findInstances(this.db, tenantId, [run.instanceGuid])).get(run.instanceGuid);
    if (instance === undefined) throw unknownInstance(run.instanceGuid);
    const stored = await withRetry(this.db, (tx) => this.#store(tx, tenantId, [{ run, instance, raw: body }]));
    const r = stored[0]!;
    return { id: r.id, status: r.status, run_key: run.runKey, result: run.result };
  }

  async #store(
    tx: Queryable,
    tenantId: string,
    items: { run: WebhookRun; instance: CicdInstance; raw: unknown }[],
  ): Promise<{ id: string; status: 'created' | 'updated' }[]> {
    await insertRaw(
      tx,
      tenantId,
      items.map((i) => ({
        integrationId: i.instance.integration_id,
        stream: CUSTOM_CICD_STREAM,
        key: `${i.run.instanceGuid}/${i.run.runKey}`,
        payload: i.raw,
      })),
    );
    return upsertRuns(
      tx,
      tenantId,
      items.map(({ run, instance }) => ({ integrationId: instance.integration_id, source: 'custom', run })),
    );
  }

  /** Many runs, one per line (NDJSON) or a JSON array; answers a result per line, storing every good one. */
  async ingestBulk(tenantId: string, bodies: { line: number; text?: string; value?: unknown }[]): Promise<BulkResult> {
    const results: LineResult[] = [];
    const parsed: { line: number; run: WebhookRun; raw: unknown }[] = [];
    for (const b of bodies) {
      try {
        const raw = b.text !== undefined ? parseJson(b.text) : b.value;
        parsed.push({ line: b.line, run: parseCustomCicdRun(raw), raw });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ line: b.line, status: 'rejected', error: err.toBody().error });
      }
    }
    const instances = await findInstances(
      this.db,
      tenantId,
      parsed.map((p) => p.run.instanceGuid),
    );
    const ready: { line: number; run: WebhookRun; instance: CicdInstance; raw: unknown }[] = [];
    for (const p of parsed) {
      const instance = instances.get(p.run.instanceGuid);
      if (instance === undefined) {
        results.push({ line: p.line, status: 'rejected', error: unknownInstance(p.run.instanceGuid).toBody().error });
      } else ready.push({ ...p, instance });
    }
    for (let i = 0; i < ready.length; i += CHUNK) {
      const chunk = ready.slice(i, i + CHUNK);
      const stored = await withRetry(this.db, (tx) => this.#store(tx, tenantId, chunk));
      chunk.forEach((c, k) =>
        results.push({ line: c.line, status: stored[k]!.status, id: stored[k]!.id, run_key: c.run.runKey }),
      );
    }
    results.sort((a, b) => a.line - b.line);
    const rejected = results.filter((r) => r.status === 'rejected').length;
    return { received: bodies.length, accepted: results.length - rejected, rejected, results };
  }
}

/** Splits an NDJSON body into numbered non-blank lines. */
export function splitNdjson(text: string, maxLines: number): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, '');
    if (t.trim() === '') continue;
    out.push({ line: i + 1, text: t });
    if (out.length > maxLines) {
      throw new InputError('too_many_lines', `A bulk request holds at most ${maxLines} runs; split it.`);
    }
  }
  if (out.length === 0) throw new InputError('empty_body', 'The body holds no runs: send one JSON run per line.');
  return out;
}
