// The shape every Validate Connection shares: ordered steps, each passed or failed in a sentence; the
// first failure decides the outcome and the steps after it are skipped.
import type { ValidationCheck, ValidationOutcome, ValidationReport } from './connector.js';

export interface CheckStep {
  id: string;
  label: string;
}

/** Thrown by a step: the outcome it means and the sentence to show. */
export class CheckFailed extends Error {
  constructor(
    readonly outcome: ValidationOutcome,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `body`, which calls `pass(i, sentence)` as each step succeeds and throws CheckFailed at the first
 * that does not; answers the report with every step passed, failed or skipped.
 */
export async function runChecks(
  steps: readonly CheckStep[],
  body: (pass: (i: number, message: string) => void) => Promise<void>,
): Promise<ValidationReport> {
  const checks: ValidationCheck[] = [];
  try {
    await body((i, message) => checks.push({ ...steps[i]!, status: 'passed', message }));
    return { outcome: 'ok', message: 'The connection works.', checks };
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err;
    const failedAt = checks.length;
    checks.push({ ...steps[failedAt]!, status: 'failed', message: err.message });
    for (const step of steps.slice(failedAt + 1)) {
      checks.push({ ...step, status: 'skipped', message: 'Not checked: an earlier check failed.' });
    }
    return { outcome: err.outcome, message: err.message, checks };
  }
}
