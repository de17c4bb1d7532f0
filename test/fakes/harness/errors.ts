// Harness NG error bodies (harness-go-sdk model_error.go, model_failure.go, model_access_denied_error.go;
// shapes checked against the synthetic fixtures in ./fixtures). Handlers throw HarnessHttpError; the
// server fills in the request's correlationId when it sends the body.

export type Json = Record<string, unknown>;

/** An HTTP answer other than 2xx, thrown by handlers and turned into a response in one place. */
export class HarnessHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json | string,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? `HTTP ${status}` : String(body.message ?? `HTTP ${status}`));
  }
}

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
export function invalidToken(): HarnessHttpError {
  return new HarnessHttpError(401, errorDto('INVALID_TOKEN', 'Token is not valid.', true));
}

export function expiredToken(): HarnessHttpError {
  return new HarnessHttpError(401, errorDto('EXPIRED_TOKEN', 'Token expired.', true));
}

/** 403 in the `pipelineRbacError` shape: "Missing permission %s on %s" plus the failed checks. */
export function accessDenied(check: PermissionCheck, resourceLabel: string): HarnessHttpError {
  const message = `Missing permission ${check.permission} on ${resourceLabel}`;
  return new HarnessHttpError(403, { ...errorDto('NG_ACCESS_DENIED', message, true), failedPermissionChecks: [check] });
}

/** An `InvalidRequestException` as WingsExceptionMapper renders it ("Invalid request: ..."). */
export function invalidRequest(message: string): HarnessHttpError {
  return new HarnessHttpError(400, errorDto('INVALID_REQUEST', `Invalid request: ${message}`, false));
}

/** A request body Jackson could not read (bad JSON, missing or unknown `filterType`, bad enum value). */
export function unreadableBody(message: string): HarnessHttpError {
  return new HarnessHttpError(400, errorDto('INVALID_REQUEST', message, false));
}

/** `FailureDTO` from JerseyViolationExceptionMapperV2: a bean-validation failure on a parameter. */
export function validationFailure(fieldId: string, error: string): HarnessHttpError {
  return new HarnessHttpError(400, {
    status: 'FAILURE',
    code: 'INVALID_REQUEST',
    message: `${fieldId}: ${error}`,
    correlationId: '',
    errors: [{ fieldId, error }],
    responseMessages: [],
  });
}

export function notFound(message: string): HarnessHttpError {
  return new HarnessHttpError(404, errorDto('RESOURCE_NOT_FOUND', message, true));
}

export function unsupportedMediaType(): HarnessHttpError {
  return new HarnessHttpError(415, errorDto('UNSUPPORTED_MEDIA_TYPE', 'HTTP 415 Unsupported Media Type', false));
}

export function methodNotAllowed(): HarnessHttpError {
  return new HarnessHttpError(405, errorDto('METHOD_NOT_ALLOWED', 'HTTP 405 Method Not Allowed', false));
}

export function unexpectedError(): HarnessHttpError {
  return new HarnessHttpError(
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
export function gatewayError(status: number, retryAfterSeconds?: number): HarnessHttpError {
  const reason = REASONS[status] ?? 'Error';
  const html = `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`;
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return new HarnessHttpError(status, html, headers);
}

/** A fault of the given status: 500 is the app's ErrorDTO, everything else comes from the edge. */
export function faultError(status: number, retryAfterSeconds?: number): HarnessHttpError {
  if (status === 500) {
    const err = unexpectedError();
    if (retryAfterSeconds !== undefined) err.headers['Retry-After'] = String(retryAfterSeconds);
    return err;
  }
  return gatewayError(status, retryAfterSeconds);
}
