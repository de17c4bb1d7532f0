// GitLab error answers (UPSTREAM-APIS B.2; gitlabhq lib/api/api_guard.rb, lib/api/helpers.rb). Handlers
// throw them; the server turns them into a response in one place.

import { edgeErrorPage, HttpError } from '../common/errors.js';

export const EXPIRED = 'Token is expired. You can either do re-authorization or token refresh.';
export const REVOKED = 'Token was revoked. You have to re-authorize from the user.';

/** Missing or unknown token. */
export function unauthorized(): HttpError {
  return new HttpError(401, { message: '401 Unauthorized' });
}

/** Rack::OAuth2 Bearer::Unauthorized: expired or revoked tokens, with a WWW-Authenticate challenge. */
export function invalidToken(description: string): HttpError {
  return new HttpError(
    401,
    { error: 'invalid_token', error_description: description },
    { 'WWW-Authenticate': `Bearer realm="The API", error="invalid_token", error_description="${description}"` },
  );
}

/** Rack::OAuth2 Bearer::Forbidden; api_guard notes that no WWW-Authenticate header comes with it. */
export function insufficientScope(accepted: readonly string[]): HttpError {
  return new HttpError(403, {
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the access token.',
    scope: accepted.join(' '),
  });
}

export function forbidden(): HttpError {
  return new HttpError(403, { message: '403 Forbidden' });
}

/** `not_found!('Project')` → "404 Project Not Found"; a missing record → "404 Not found". */
export function notFound(resource?: string): HttpError {
  return new HttpError(404, { message: resource ? `404 ${resource} Not Found` : '404 Not found' });
}

/** Grape's answer for a path no endpoint serves. */
export function routeNotFound(): HttpError {
  return new HttpError(404, { error: '404 Not Found' });
}

export function methodNotAllowed(): HttpError {
  return new HttpError(405, { message: '405 Method Not Allowed' });
}

/** Grape parameter validation: every failure, joined. */
export function invalidParams(errors: readonly string[]): HttpError {
  return new HttpError(400, { error: errors.join(', ') });
}

/** `bad_request!(reason)`. */
export function badRequest(reason: string): HttpError {
  return new HttpError(400, { message: `400 Bad request - ${reason}` });
}

export function keysetUnavailable(): HttpError {
  return new HttpError(405, { error: 'Keyset pagination is not yet available for this type of request' });
}

export function offsetCapExceeded(max: number, type: string): HttpError {
  return new HttpError(405, {
    error: `Offset pagination has a maximum allowed offset of ${max} for requests that return objects of type ${type}. Remaining records can be retrieved using keyset pagination.`,
  });
}

/** Rack::Attack's throttled response (the body admins can change; this is the default). */
export function retryLater(headers: Record<string, string>): HttpError {
  return new HttpError(429, 'Retry later\n', { 'content-type': 'text/plain', ...headers });
}

export function serverError(): HttpError {
  return new HttpError(500, { message: '500 Internal Server Error' });
}

const REASONS: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** 502/503/504 come from the load balancer in front of GitLab, as HTML. */
export function gatewayError(status: number): HttpError {
  return new HttpError(status, edgeErrorPage(status, REASONS[status] ?? 'Error'), { 'content-type': 'text/html' });
}
