import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

// Fastify's own client errors, given stable codes and plain sentences.
const FASTIFY_ERRORS: Readonly<
  Record<string, { code: string; message: (e: FastifyError, req: FastifyRequest) => string }>
> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'body_too_large',
    message: (_e, req) => `The body is larger than the ${req.routeOptions.bodyLimit} bytes this endpoint accepts.`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: () => 'Send the body as application/json (or application/x-ndjson to the bulk endpoint).',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'empty_body', message: () => 'The body is empty: send a JSON object.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_content_length',
    message: () => 'Content-Length does not match the body.',
  },
  FST_ERR_CTP_INVALID_TYPE: { code: 'invalid_content_type', message: () => 'The Content-Type header is malformed.' },
  FST_ERR_BAD_URL: { code: 'bad_url', message: () => 'The URL is not valid: a percent-encoded part is broken.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'path_parameter_too_long',
    message: () => 'A path parameter is longer than any id this API gives.',
  },
};

/** The one place where errors become HTTP answers: `{ error: { code, message, field? } }`. */
export function errorHandler(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof AppError) {
    if (err.status >= 500) req.log.error({ err }, 'request failed');
    void reply
      .code(err.status)
      .headers(err.headers ?? {})
      .send(err.toBody());
    return;
  }
  const fe = err as FastifyError;
  const known = fe.code === undefined ? undefined : FASTIFY_ERRORS[fe.code];
  const status = fe.statusCode ?? 500;
  if (known !== undefined || (status >= 400 && status < 500)) {
    const code = known?.code ?? (fe.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    void reply.code(status).send({ error: { code, message: known?.message(fe, req) ?? fe.message } });
    return;
  }
  req.log.error({ err }, 'unexpected error');
  void reply
    .code(500)
    .send({ error: { code: 'internal', message: 'Something went wrong on our side; it is logged.' } });
}
