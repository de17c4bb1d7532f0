// `sei demo` (`npm run demo`) end to end: the CLI runs as a child process on a temp demo folder, and everything is
// checked through its HTTP API with the key it printed. No timing assertions: the machine may be busy.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, TsxProcess } from './helpers/process.js';

// A fresh PGlite folder takes a while to create on a loaded machine, then 90 days of Harness history sync.
const START_TIMEOUT = 240_000;
const READY = /OpenSEI demo is ready on (http:\/\/\S+)/;
const KEY = /Admin key: +(sei_[A-Za-z0-9_-]{20,})\n/;
const FAKE = /Fake Harness NG on (http:\/\/\S+?):/;
const FAKE_GITLAB = /Fake GitLab on (http:\/\/\S+?):/;

/** One `sei demo` process (src/cli/main.ts demo) with its output so far. */
class Demo extends TsxProcess {
  constructor(env: Record<string, string>) {
    super('src/cli/main.ts', ['demo'], env);
  }
}

/** True when nothing accepts connections at the URL any more. */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return false;
  } catch {
    return true;
  }
}

interface Run {
  source: string;
  run_key: string;
  instance_guid: string | null;
}

describe('sei demo', () => {
  let root: string;
  let dataDir: string;
  let demo: Demo | undefined;
  const spawned: Demo[] = [];
  let url: string;
  let key: string;
  let port: number;

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(url + path, {
      ...init,
      headers: { authorization: `ApiKey ${key}`, ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> };
  };

  const allRuns = async (): Promise<Run[]> => {
    const runs: Run[] = [];
    for (let cursor: string | null = null; ;) {
      const page = await api(`/v1/cicd/runs?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status).toBe(200);
      runs.push(...(page.body['runs'] as Run[]));
      cursor = page.body['next_cursor'] as string | null;
      if (cursor === null) return runs;
    }
  };

  const start = async (): Promise<Demo> => {
    demo = new Demo({ SEI_DATA_DIR: dataDir, PORT: String(port) });
    spawned.push(demo);
    [, url] = (await demo.waitFor(READY)) as [string, string];
    // The start-up output goes on after the ready line (the key, the curl lines): wait for its last line.
    await demo.waitFor(/Stop with Ctrl-C/);
    return demo;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sei-demo-'));
    dataDir = join(root, 'demo data');
    port = await freePort();
    const first = await start();
    [, key] = (await first.waitFor(KEY)) as [string, string];
  }, START_TIMEOUT);

  afterAll(async () => {
    await Promise.all(spawned.map((d) => d.stop('SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  });

  it('prints the admin key once and keeps it in demo-admin-key.txt, readable by its owner only', () => {
    expect(demo!.stdout.match(/sei_[A-Za-z0-9_-]{20,}/g)).toEqual([key]);
    const file = join(dataDir, 'demo-admin-key.txt');
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(demo!.stdout).toContain(`${url}/docs`);
    expect(demo!.stdout).toContain(`SEI_KEY=$(cat '${file}')`);
  });

  it('serves the synced Harness and GitLab runs and the webhook runs through GET /v1/cicd/runs', async () => {
    expect((await api('/v1/cicd/runs?limit=1')).status).toBe(200);
    expect((await fetch(`${url}/v1/cicd/runs`)).status).toBe(401);
    const runs = await allRuns();
    const harness = runs.filter((r) => r.source === 'harnessng');
    const gitlab = runs.filter((r) => r.source === 'gitlab');
    const custom = runs.filter((r) => r.instance_guid !== null);
    expect(harness.length).toBeGreaterThan(1000);
    expect(gitlab.filter((r) => r.run_key.startsWith('pipeline:')).length).toBeGreaterThan(500);
    expect(gitlab.filter((r) => r.run_key.startsWith('deployment:')).length).toBeGreaterThan(50);
    expect(custom).toHaveLength(6);
    expect(harness.length + gitlab.length + custom.length).toBe(runs.length);
  });

  it('shows successful Harness and GitLab syncs in the sync status', async () => {
    const gl = await api('/v1/integrations?type=gitlab');
    const [gitlab] = gl.body['integrations'] as { id: string }[];
    const glStatus = await api(`/v1/integrations/${gitlab!.id}/sync`);
    expect((glStatus.body['last_success'] as { status: string }).status).toBe('succeeded');
    const { body } = await api('/v1/integrations?type=harnessng');
    const integrations = body['integrations'] as { id: string; sync_interval_minutes: number }[];
    expect(integrations).toHaveLength(1);
    expect(integrations[0]!.sync_interval_minutes).toBe(5);
    const status = await api(`/v1/integrations/${integrations[0]!.id}/sync`);
    expect(status.status).toBe(200);
    expect(status.body['sync_enabled']).toBe(true);
    const success = status.body['last_success'] as { status: string; streams: { stream: string; status: string }[] };
    expect(success.status).toBe('succeeded');
    expect(success.streams.map((s) => [s.stream, s.status])).toEqual([
      ['organizations', 'succeeded'],
      ['projects', 'succeeded'],
      ['executions', 'succeeded'],
    ]);
  });

  it(
    'stops on SIGINT with exit code 0, closing the server and the fake and releasing the data folder',
    async () => {
      const fakeUrl = FAKE.exec(demo!.stdout)?.[1];
      expect(fakeUrl).toBeDefined();
      const gitlabUrl = FAKE_GITLAB.exec(demo!.stdout)?.[1];
      expect(gitlabUrl).toBeDefined();
      const end = await demo!.stop('SIGINT');
      expect(end, demo!.stderr).toMatchObject({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'sei.pid'))).toBe(false);
      expect(await refused(`${url}/healthz`)).toBe(true);
      expect(await refused(`${fakeUrl}/v1/orgs`)).toBe(true);
      expect(await refused(`${gitlabUrl}/api/v4/version`)).toBe(true);
    },
    START_TIMEOUT,
  );

  it(
    'a second run on the same folder reuses the key and the integrations, and adds no runs twice',
    async () => {
      const second = await start();
      expect(second.stdout).not.toMatch(/sei_[A-Za-z0-9_-]{20,}/);
      expect(second.stdout).toContain('demo-admin-key.txt');
      const { body } = await api('/v1/integrations');
      const types = (body['integrations'] as { type: string }[]).map((i) => i.type).sort();
      expect(types).toEqual(['custom', 'gitlab', 'harnessng']);
      const { body: instances } = await api('/v1/cicd/instances');
      expect(instances['instances']).toHaveLength(1);
      const runs = await allRuns();
      expect(runs.filter((r) => r.instance_guid !== null)).toHaveLength(6);
      const keys = runs.map((r) => `${r.source}/${r.run_key}`);
      expect(new Set(keys).size).toBe(keys.length);
      const end = await second.stop('SIGINT');
      expect(end, second.stderr).toMatchObject({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'sei.pid'))).toBe(false);
    },
    START_TIMEOUT,
  );
});
