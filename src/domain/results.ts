/** Canonical run results. */
// 'running' and 'queued' are not final: connectors revisit such runs until they finish.
export const RESULTS = [
  'success',
  'failure',
  'aborted',
  'unstable',
  'canceled',
  'skipped',
  'running',
  'queued',
] as const;
export type RunResult = (typeof RESULTS)[number];

// Policy as data: the documented values and what real CI servers send, upper-cased.
const RESULT_MAP: Readonly<Record<string, RunResult>> = Object.freeze({
  SUCCESS: 'success',
  SUCCEEDED: 'success',
  SUCCESSFUL: 'success',
  PASSED: 'success',
  FAILURE: 'failure',
  FAILED: 'failure',
  ERROR: 'failure',
  ERRORED: 'failure',
  ABORTED: 'aborted',
  UNSTABLE: 'unstable',
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
  SKIPPED: 'skipped',
  NOT_BUILT: 'skipped',
});

export const ACCEPTED_RESULT_VALUES: readonly string[] = Object.keys(RESULT_MAP);

/** Maps a posted result (any case) to its canonical value, or undefined when unknown. */
export function canonicalResult(value: string): RunResult | undefined {
  return RESULT_MAP[value.trim().toUpperCase()];
}
