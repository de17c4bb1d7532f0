// Harness NG error bodies (harness-go-sdk model_error.go, model_failure.go, model_access_denied_error.go;
// shapes checked against the synthetic fixtures in ./fixtures). Handlers throw them as HttpError; the
// server fills in the request's correlationId when it sends the body.

import { edgeErrorPage, HttpError, type Json } from '../common/errors.js';

export interface PermissionCheck {
  resourceScope: { accountIdentifier: string; orgIdentifier: string | null; projectIdentifier: string | null };
  resourceType: 'ORGANIZATION' | 'PROJECT' | 'PIPELINE';
  resourceIdentifier: string | null;
  permission: string;
}

function responseMessage(code: string, message: string): Json {
  return { code, level: 'ERROR', message, exception: null, failureTypes: [] };
}

/** `ErrorDTO`. `correlationId` is a placeholder the server overwrites. */
export function errorDto(code: string, message: string, withResponseMessage: boolean): Json {
  return {
    status: 'ERROR',
    code,
    message,
    correlationId: '',
    detailedMessage: null,
    responseMessages: withResponseMessage ? [responseMessage(code, message)] : [],
    metadata: null,
  };
}

/** 401 for a missing, unknown, malformed or revoked key, or one used against another account. */
export function invalidToken(): HttpError {
  return new HttpError(401, errorDto('INVALID_TOKEN', 'Token is not valid.', true));
}

export function expiredToken(): HttpError {
  return new HttpError(401, errorDto('EXPIRED_TOKEN', 'Token expired.', true));
}

/** 403 in the `pipelineRbacError` shape: "Missing permission %s on %s" plus the failed checks. */
export function accessDenied(check: PermissionCheck, resourceLabel: string): HttpError {
  const message = `Missing permission ${check.permission} on ${resourceLabel}`;
  return new HttpError(403, { ...errorDto('NG_ACCESS_DENIED', message, true), failedPermissionChecks: [check] });
}

/** An `InvalidRequestException` as WingsExceptionMapper renders it ("Invalid request: ..."). */
export function invalidRequest(message: string): HttpError {
  return new HttpError(400, errorDto('INVALID_REQUEST', `Invalid request: ${message}`, false));
}

/** A request body Jackson could not read (bad JSON, missing or unknown `filterType`, bad enum value). */
export function unreadableBody(message: string): HttpError {
  return new HttpError(400, errorDto('INVALID_REQUEST', message, false));
}

/** `FailureDTO` from JerseyViolationExceptionMapperV2: a bean-validation failure on a parameter. */
export function validationFailure(fieldId: string, error: string): HttpError {
  return new HttpError(400, {
    status: 'FAILURE',
    code: 'INVALID_REQUEST',
    message: `${fieldId}: ${error}`,
    correlationId: '',
    errors: [{ fieldId, error }],
    responseMessages: [],
  });
}

export function notFound(message: string): HttpError {
  return new HttpError(404, errorDto('RESOURCE_NOT_FOUND', message, true));
}

export function unsupportedMediaType(): HttpError {
  return new HttpError(415, errorDto('UNSUPPORTED_MEDIA_TYPE', 'HTTP 415 Unsupported Media Type', false));
}

export function methodNotAllowed(): HttpError {
  return new HttpError(405, errorDto('METHOD_NOT_ALLOWED', 'HTTP 405 Method Not Allowed', false));
}

export function unexpectedError(): HttpError {
  return new HttpError(
    500,
    errorDto('UNEXPECTED', 'Oops, something went wrong on our end. Please contact Harness Support.', true),
  );
}

const REASONS: Record<number, string> = {
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** Answers from the edge (load balancer, Cloud Armor) are HTML, not Harness JSON. */
export function gatewayError(status: number, retryAfterSeconds?: number): HttpError {
  const html = edgeErrorPage(status, REASONS[status] ?? 'Error');
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return new HttpError(status, html, headers);
}

/** A fault of the given status: 500 is the app's ErrorDTO, everything else comes from the edge. */
export function faultError(status: number, retryAfterSeconds?: number): HttpError {
  if (status === 500) {
    const err = unexpectedError();
    if (retryAfterSeconds !== undefined) err.headers['Retry-After'] = String(retryAfterSeconds);
    return err;
  }
  return gatewayError(status, retryAfterSeconds);
}
