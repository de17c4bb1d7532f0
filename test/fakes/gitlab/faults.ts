// GitLab's faults: the shared queue of failures and truncations (../common/faults.ts) with GitLab's
// answers: 429 text/plain "Retry later" with or without Retry-After, 500 JSON, 502/503/504 HTML from the
// load balancer. The rate limits are in rate-limit.ts.

import { HttpError } from '../common/errors.js';
import { createFaultQueue, type FaultQueue, type FaultSpec, type QueuedFaultOptions } from '../common/faults.js';
import { gatewayError, retryLater, serverError } from './errors.js';

export type FaultOptions = QueuedFaultOptions;
export type FaultController = FaultQueue<HttpError>;

export function faultError(fault: FaultSpec): HttpError {
  const retry: Record<string, string> =
    fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
  const err =
    fault.status === 429
      ? retryLater(retry)
      : fault.status === 500
        ? serverError()
        : fault.status >= 502
          ? gatewayError(fault.status)
          : new HttpError(fault.status, { message: `${fault.status}` });
  Object.assign(err.headers, retry);
  return err;
}

export function createFaults(options: FaultOptions): FaultController {
  return createFaultQueue(options, faultError);
}
