import type { RunResult } from '../../domain/results.js';

const FINAL_PIPELINE = new Set(['success', 'failed', 'canceled', 'skipped']);
const FINAL_DEPLOYMENT = new Set(['success', 'failed', 'canceled', 'skipped']);

/** A pipeline that can still change (running, pending, manual...) is revisited until final. */
export const isFinalPipeline = (status: string): boolean => FINAL_PIPELINE.has(status);
export const isFinalDeployment = (status: string): boolean => FINAL_DEPLOYMENT.has(status);
/** A merged merge request changes no more in what we read (a closed one may be reopened). */
export const isFinalMergeRequest = (state: string): boolean => state === 'merged';

const RESULTS: Record<string, RunResult> = {
  success: 'success',
  failed: 'failure',
  canceled: 'canceled',
  canceling: 'canceled',
  skipped: 'skipped',
  running: 'running',
  created: 'queued',
  pending: 'queued',
  preparing: 'queued',
  waiting_for_resource: 'queued',
  waiting_for_callback: 'queued',
  scheduled: 'queued',
  manual: 'queued',
  blocked: 'queued',
};

/** GitLab pipeline, job and deployment statuses as canonical results; unknown ones count as running. */
export const resultOf = (status: string): RunResult => RESULTS[status] ?? 'running';
