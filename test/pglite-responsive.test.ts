import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstance, startServer, type TestServer } from './helpers/server.js';

// A PGlite query holds its thread until it ends. This one streams 20 million rows through an aggregate:
// about 2 s of CPU in PGlite, with little memory. The tests assert only the ORDER of events against it.
const N = 20_000_000;
const LONG_QUERY = `SELECT sum(x * 2)::int8 AS s FROM (SELECT generate_series(1, ${N}) AS x) AS t`;
const LONG_SUM = N * (N + 1);
const HEALTH_CALLS = 5;

function runBody(guid: string): Record<string, unknown> {
  return {
    instance_guid: guid,
    instance_name: 'Jenkins',
    pipeline: 'deploy-api',
    job_full_name: 'deploy-api',
    qualified_name: 'deploy-api',
    execution_id: 'responsive-1',
    start_time: 1711603545000,
    duration: 780000,
    result: 'success',
    cd: true,
  };
}

describe('PGlite runs off the HTTP thread', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => s?.close());

  /** Starts the long query on the store itself, logging `label` into `order` when it resolves. */
  function longQuery(order: string[], label = 'long query'): Promise<void> {
    return s.db.query<{ s: number }>(LONG_QUERY).then((rows) => {
      order.push(label);
      expect(rows).toEqual([{ s: LONG_SUM }]);
    });
  }

  async function healthChecks(order: string[]): Promise<void> {
    for (let i = 1; i <= HEALTH_CALLS; i++) {
      const res = await s.api('GET', '/healthz', undefined, { key: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      order.push(`healthz ${i}`);
    }
  }

  const healthzLabels = Array.from({ length: HEALTH_CALLS }, (_, i) => `healthz ${i + 1}`);

  it('answers /healthz while a long query runs', async () => {
    const order: string[] = [];
    const long = longQuery(order);
    // Queued behind the long query on PGlite's single connection: it resolves only once the store is free.
    const next = s.db.query('SELECT 1 AS one').then((rows) => {
      order.push('query after it');
      expect(rows).toEqual([{ one: 1 }]);
    });
    await healthChecks(order);
    await Promise.all([long, next]);
    expect(order).toEqual([...healthzLabels, 'long query', 'query after it']);
  });

  it('accepts and stores a run posted during a long query, and /healthz answers while it waits', async () => {
    const { guid } = await makeInstance(s);
    const order: string[] = [];
    const long = longQuery(order);
    const posted = s.api('POST', '/v1/custom-cicd', runBody(guid)).then((res) => {
      order.push('run posted');
      return res;
    });
    await healthChecks(order);
    const [res] = await Promise.all([posted, long]);

    // /healthz answered while both the long query and the post were still pending.
    expect(order.slice(0, HEALTH_CALLS)).toEqual(healthzLabels);
    expect(order.slice(HEALTH_CALLS).sort()).toEqual(['long query', 'run posted']);

    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ status: 'created', result: 'success' });
    const stored = await s.api('GET', `/v1/cicd/runs/${res.body.id}`);
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body).toMatchObject({ instance_guid: guid, pipeline: 'deploy-api', execution_id: 'responsive-1' });
    const listed = await s.api('GET', `/v1/cicd/runs?instance_guid=${guid}`);
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
  });

  it('keeps JS timers firing on the main thread during a long query', async () => {
    const order: string[] = [];
    let ticks = 0;
    let third!: () => void;
    const thirdTick = new Promise<void>((resolve) => (third = resolve));
    const timer = setInterval(() => {
      ticks += 1;
      if (ticks <= 3) order.push(`tick ${ticks}`);
      if (ticks === 3) third();
    }, 10);
    try {
      const long = longQuery(order);
      await Promise.all([thirdTick, long]);
    } finally {
      clearInterval(timer);
    }
    expect(order).toEqual(['tick 1', 'tick 2', 'tick 3', 'long query']);
  });
});
