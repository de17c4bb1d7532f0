import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { UpstreamError } from '../../src/http/errors.js';
import { createRedactor, REDACTED, secretsFromHeaders } from '../../src/http/redact.js';
import type { HttpLogEvent } from '../../src/http/types.js';
import { fakeTime, startScriptServer, type Scripted, type ScriptServer } from './helpers.js';

const TOKEN = 'glpat-Sup3rS3cretT0ken';
const API_KEY = 'pat.acct.0123456789abcdef.zyx';
const PASSWORD = 'hunter2-pw!';

describe('redaction', () => {
  it('redacts URLs: credential query parameters, user info and literal secrets', () => {
    const r = createRedactor({ secrets: [TOKEN] });
    const url = `https://me:${PASSWORD}@h.example/api/${TOKEN}/x?private_token=abc&Access_Token=def&page=2&key=k`;
    const out = r.url(url);
    for (const s of [PASSWORD, TOKEN, 'abc', 'def', '=k']) expect(out).not.toContain(s);
    expect(out).toContain('page=2');
    expect(out).toContain('private_token=REDACTED');
  });

  it('redacts sensitive headers by name and secrets inside other headers', () => {
    const r = createRedactor({ secrets: [TOKEN] });
    const out = r.headers({ 'private-token': 'whatever', 'x-echo': `token ${TOKEN}`, accept: 'application/json' });
    expect(out).toEqual({ 'private-token': REDACTED, 'x-echo': `token ${REDACTED}`, accept: 'application/json' });
  });

  it('finds the secrets inside Bearer and Basic credentials, and hides their encoded forms', () => {
    const basic = Buffer.from(`me@example.com:${PASSWORD}`).toString('base64');
    const secrets = secretsFromHeaders({ authorization: `Basic ${basic}`, 'x-api-key': API_KEY, accept: 'x' });
    expect(secrets).toEqual(expect.arrayContaining([basic, PASSWORD, API_KEY]));
    const r = createRedactor({ secrets });
    expect(r.text(`p=${encodeURIComponent(PASSWORD)} j=${JSON.stringify(PASSWORD)}`)).not.toMatch(/hunter2/);
  });
});

describe('no secret leaves the client', () => {
  let server: ScriptServer;
  beforeAll(async () => {
    server = await startScriptServer();
  });
  afterAll(() => server.close());

  const echo = (status: number): Scripted => ({
    status,
    body: {
      message: `Token ${TOKEN} with key ${API_KEY} is not valid for ${PASSWORD}`,
      query: `private_token=${TOKEN}`,
    },
  });
  const cases: [string, Scripted[], number?][] = [
    ['401 echoing the credentials', [echo(401)]],
    ['403 echoing the credentials', [echo(403)]],
    ['404 echoing the credentials', [echo(404)]],
    ['5xx forever echoing the credentials', Array.from({ length: 5 }, () => echo(502))],
    ['429 over the cap', [{ ...echo(429), headers: { 'retry-after': '99999' } }]],
    ['invalid JSON echoing the credentials', [{ body: `{"token":"${TOKEN}", "key": "${API_KEY}"` }]],
    ['a timeout', [{ delayMs: 5_000 }, { delayMs: 5_000 }, { delayMs: 5_000 }], 30],
    ['a dropped connection', Array.from({ length: 5 }, () => ({ drop: true }))],
  ];

  it.each(cases)('%s', async (_name, answers, timeoutMs) => {
    server.script(...answers);
    const events: HttpLogEvent[] = [];
    const basic = Buffer.from(`me@example.com:${PASSWORD}`).toString('base64');
    const http = createHttpClient({
      ...fakeTime(),
      baseUrl: `${server.url}/api/v4`,
      headers: { 'PRIVATE-TOKEN': TOKEN, 'x-api-key': API_KEY, authorization: `Basic ${basic}` },
      timeoutMs: timeoutMs ?? 5_000,
      log: (e) => events.push(e),
    });
    const err: unknown = await http.get(`projects/1?private_token=${TOKEN}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    const seen = [
      JSON.stringify(err),
      JSON.stringify((err as UpstreamError).toBody()),
      inspect(err, { depth: Infinity, showHidden: true }),
      String((err as Error).stack),
      JSON.stringify(events),
    ].join('\n');
    for (const secret of [TOKEN, API_KEY, PASSWORD, basic, encodeURIComponent(PASSWORD)]) {
      expect(seen).not.toContain(secret);
    }
    expect(events.at(-1)?.event).toBe('request.fail');
    expect(JSON.stringify(events)).toContain('private_token=REDACTED');
  });
});
