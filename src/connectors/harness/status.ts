import type { RunResult } from '../../domain/results.js';

// Policy as data: Harness's PascalCase execution statuses and what they mean here.
const STATUS: Readonly<Record<string, RunResult>> = Object.freeze({
  Success: 'success',
  IgnoreFailed: 'success',
  Failed: 'failure',
  Errored: 'failure',
  Expired: 'failure',
  Aborted: 'aborted',
  AbortedByFreeze: 'aborted',
  ApprovalRejected: 'canceled',
  Skipped: 'skipped',
  Running: 'running',
  AsyncWaiting: 'running',
  TaskWaiting: 'running',
  TimedWaiting: 'running',
  Discontinuing: 'running',
  Paused: 'running',
  Pausing: 'running',
  Suspended: 'running',
  ResourceWaiting: 'running',
  InterventionWaiting: 'running',
  ApprovalWaiting: 'running',
  WaitStepRunning: 'running',
  InputWaiting: 'running',
  UploadWaiting: 'running',
  NotStarted: 'queued',
  Queued: 'queued',
  QueuedLicenseLimitReached: 'queued',
  QueuedExecutionConcurrencyReached: 'queued',
  QueuedGlobalInfraCapacityReached: 'queued',
  QUEUED_PLAN_CREATION: 'queued',
});

/** The canonical result of a Harness status; an unknown status counts as still running. */
export function harnessResult(status: string): RunResult {
  return STATUS[status] ?? 'running';
}

export function isFinalStatus(status: string): boolean {
  const r = harnessResult(status);
  return r !== 'running' && r !== 'queued';
}
