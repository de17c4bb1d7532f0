// Stamps the request's correlationId into Harness envelopes (ResponseDTO, ErrorDTO, FailureDTO carry a
// placeholder) before the shared encoder (../common/respond.ts) turns the reply into bytes.

import { encodeReply, type Encoded, type Reply } from '../common/respond.js';

function withCorrelation(body: unknown, correlationId: string): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'correlationId' in body) {
    return { ...body, correlationId };
  }
  return body;
}

export function encodeWithCorrelation(reply: Reply, correlationId: string): Encoded {
  return encodeReply({ ...reply, body: withCorrelation(reply.body, correlationId) });
}
