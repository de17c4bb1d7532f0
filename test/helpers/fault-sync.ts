// What the upstream fault tests share: a virtual clock that says how long the client waited, and a sync
// run through the public API whose outcome is read back from the sync status (`GET /v1/integrations/:id/sync`).
import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** The sync tests' virtual clock (sleeping costs no real time), which also says how long the client waited. */
export { virtualClock as countingTime, type TimeParts as CountingTime } from './sync-store.js';

export interface StreamView {
  stream: string;
  status: string;
  records: number;
  pages: number;
  error: { code: string; message: string } | null;
}

export interface JobView {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  streams: StreamView[];
}

/** Requests a sync, runs it with the worker, and answers the job as the sync status API shows it. */
export async function syncNow(
  s: TestServer,
  id: string,
  mode: 'incremental' | 'full' = 'incremental',
): Promise<JobView> {
  const queued = await s.api('POST', `/v1/integrations/${id}/sync`, { mode });
  expect(queued.status, queued.text).toBe(202);
  await s.worker.runNext();
  const status = await s.api('GET', `/v1/integrations/${id}/sync`);
  expect(status.status).toBe(200);
  expect(status.body.active).toBeNull(); // finished or stopped: never left running
  const job = status.body.history[0] as JobView;
  expect(job.id).toBe(queued.body.id);
  return job;
}

/** The streams that failed, as `stream:code`. */
export const failedStreams = (job: JobView): string[] =>
  job.streams.filter((x) => x.status === 'failed').map((x) => `${x.stream}:${x.error?.code ?? '?'}`);

/** A stopped job: not succeeded, and every failed stream says why with `code`; answers the failed streams. */
export function expectStopped(job: JobView, code: string): StreamView[] {
  expect(job.status, JSON.stringify(job)).not.toBe('succeeded');
  expect(job.status).not.toBe('running');
  expect(job.error).not.toBeNull();
  const failed = job.streams.filter((x) => x.status === 'failed');
  expect(failed.length, JSON.stringify(job.streams)).toBeGreaterThan(0);
  for (const x of failed) {
    expect(x.error?.code, JSON.stringify(x)).toBe(code);
    expect(x.error?.message.length).toBeGreaterThan(20);
  }
  return failed;
}
