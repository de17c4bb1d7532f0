// A load generator for the webhook crash test: a few workers post runs (single and bulk NDJSON) at a steady
// rate to a server that gets killed and restarted under them, and keep the book of what was acknowledged.
import { setTimeout as pause } from 'node:timers/promises';
import { type Answer, call } from './crash-server.js';

/** What the generator knows of one run it made; only its own worker posts it, one request at a time. */
export interface SentRun {
  /** The identity the server must derive (`run_key`): by execution id, by job and build, or by job and start. */
  runKey: string;
  /** Versions 0..posted-1 were sent (the version is the run's `user_id`, `v<n>`). */
  posted: number;
  /** Requests that carried it. */
  sends: number;
  /** The last version a 2xx answered for, -1 when none did. */
  acked: number;
  /** Re-posted after a post that got no answer. */
  retried: boolean;
  /** A retry answered "updated": the unanswered post had been stored. */
  storedUnanswered: boolean;
  /**
   * A post of it was given up on by the client: the server may store it at any time later, so the run is never
   * updated to a newer version (which that late store could undo).
   */
  abandoned: boolean;
}

/** Where the server is: `whenUp` waits while it is down (killed, starting). */
export interface Target {
  readonly url: string;
  readonly key: string;
  whenUp(): Promise<void>;
}

export interface LoadStats {
  requests: number;
  acknowledged: number;
  /** Requests that got no answer (connection refused or reset, the server died under them). */
  unanswered: number;
  /** Requests the client gave up waiting for (the server may well store them after). */
  abandoned: number;
  /** 429 and 5xx answers: not acknowledged. */
  refused: number;
  /** Anything the generator did not expect (a 4xx, a rejected line, a wrong run_key or status): a failure. */
  unexpected: string[];
}

const BASE_TIME = Date.UTC(2024, 2, 1);
const PIPELINES = ['deploy-api', 'deploy-web', 'build-lib'] as const;
const sha = (n: number): string => n.toString(16).padStart(8, '0').repeat(5);

/** Builds run bodies, posts them and records the outcome of each. */
export class CrashLoad {
  readonly runs = new Map<string, SentRun>();
  readonly stats: LoadStats = { requests: 0, acknowledged: 0, unanswered: 0, abandoned: 0, refused: 0, unexpected: [] };
  /** Requests on the wire right now. */
  inFlight = 0;
  #next = 0;
  #stopped = false;
  readonly #random: () => number;
  readonly #bodies = new Map<string, (version: number) => Record<string, unknown>>();

  constructor(
    private readonly target: Target,
    private readonly guid: string,
    seed: number,
  ) {
    let s = seed >>> 0;
    this.#random = () => {
      s = (s * 1_664_525 + 1_013_904_223) >>> 0;
      return s / 2 ** 32;
    };
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  /** A new run with its own identity; the three identity kinds take turns. */
  #newRun(worker: number): SentRun {
    const n = this.#next++;
    const pipeline = PIPELINES[n % PIPELINES.length]!;
    const start = BASE_TIME + n * 7_000 + this.#int(20) * 86_400_000; // spread over March, out of order
    const kind = n % 3;
    const job = kind === 2 ? `${pipeline}/by-start-w${worker}` : `${pipeline}/w${worker}`;
    const runKey = kind === 0 ? `exec:crash-${n}` : kind === 1 ? `build:${job}#${n}` : `start:${job}@${start}`;
    const shas = [sha(this.#int(40)), sha(this.#int(40))];
    this.#bodies.set(runKey, (version) => ({
      job_name: pipeline,
      job_full_name: job,
      instance_guid: this.guid,
      instance_name: 'Jenkins-crash',
      start_time: start,
      duration: 60_000 + version * 1000,
      // A later version fails where the first passed: an update changes what DORA counts.
      result: (n + version) % 4 === 3 ? 'FAILURE' : 'SUCCESS',
      user_id: `v${version}`,
      branch_name: 'main',
      ...(kind === 0 ? { execution_id: `crash-${n}` } : kind === 1 ? { build_number: n } : {}),
      cd: pipeline !== 'build-lib',
      ci: pipeline === 'build-lib',
      scm_commit_ids: shas.slice(0, 1 + ((n + version) % 2)),
      job_run: {
        stages: [
          { displayName: 'build', result: 'SUCCESS', durationInMillis: 1000, steps: [{ displayName: 'compile' }] },
          ...(version > 0
            ? [{ displayName: 'deploy', steps: [{ displayName: 'push' }, { displayName: 'wait' }] }]
            : []),
        ],
      },
      artifacts: [{ name: `${pipeline}-image`, qualifier: `1.${n}`, output: pipeline === 'build-lib' }],
      job_run_params: [{ name: 'version', value: version }],
    }));
    const run: SentRun = {
      runKey,
      posted: 0,
      sends: 0,
      acked: -1,
      retried: false,
      storedUnanswered: false,
      abandoned: false,
    };
    this.runs.set(runKey, run);
    return run;
  }

  #body(run: SentRun, version: number): Record<string, unknown> {
    return this.#bodies.get(run.runKey)!(version);
  }

  /**
   * Posts runs, each at the given version, alone or as one NDJSON request; books every answer. With
   * `giveUpMs`, the client stops waiting for the answer then.
   */
  async #post(items: { run: SentRun; version: number }[], bulk: boolean, giveUpMs?: number): Promise<void> {
    for (const i of items) {
      i.run.posted = Math.max(i.run.posted, i.version + 1);
      i.run.sends++;
    }
    const bodies = items.map((i) => JSON.stringify(this.#body(i.run, i.version)));
    this.stats.requests++;
    this.inFlight++;
    let answer: Answer;
    try {
      answer = bulk
        ? await call(
            this.target.url,
            this.target.key,
            'POST',
            '/v1/custom-cicd/bulk',
            bodies.join('\n') + '\n',
            'application/x-ndjson',
          )
        : await call(this.target.url, this.target.key, 'POST', '/v1/custom-cicd', bodies[0]!, undefined, giveUpMs);
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' && giveUpMs !== undefined) {
        this.stats.abandoned++;
        for (const i of items) i.run.abandoned = true;
      } else this.stats.unanswered++;
      return;
    } finally {
      this.inFlight--;
    }
    if (answer.status === 429 || answer.status >= 500) {
      this.stats.refused++;
      return;
    }
    const lines: { status: string; run_key?: string }[] =
      bulk && (answer.status === 200 || answer.status === 207)
        ? answer.body.results
        : !bulk && (answer.status === 200 || answer.status === 201)
          ? [answer.body]
          : [];
    if (lines.length !== items.length) {
      this.stats.unexpected.push(`${answer.status} to ${items.length} run(s): ${answer.text.slice(0, 500)}`);
      return;
    }
    this.stats.acknowledged++;
    items.forEach(({ run, version }, k) => this.#book(run, version, lines[k]!));
  }

  #book(run: SentRun, version: number, line: { status: string; run_key?: string }): void {
    if (line.run_key !== run.runKey || (line.status !== 'created' && line.status !== 'updated')) {
      this.stats.unexpected.push(`${run.runKey} v${version}: answered ${JSON.stringify(line)}`);
      return;
    }
    // Idempotency as a client sees it: once a version was answered, the run exists ("updated" ever after);
    // a run that never was posted before is "created".
    const expected = run.acked >= 0 ? 'updated' : run.sends === 1 ? 'created' : undefined;
    if (expected !== undefined && line.status !== expected) {
      this.stats.unexpected.push(`${run.runKey} v${version}: ${line.status}, expected ${expected}`);
    }
    if (run.acked < 0 && run.retried && line.status === 'updated') run.storedUnanswered = true;
    run.acked = Math.max(run.acked, version);
  }

  /** Runs whose last post got no answer. */
  unanswered(): SentRun[] {
    return [...this.runs.values()].filter((r) => r.acked < r.posted - 1);
  }

  /** One worker: new runs alone or in bulk, updates of answered runs, re-posts of unanswered ones. */
  async #worker(w: number, pauseMs: number): Promise<void> {
    const mine: SentRun[] = [];
    while (!this.#stopped) {
      await this.target.whenUp();
      if (this.#stopped) break;
      const roll = this.#random();
      const retry = mine.filter((r) => r.acked < r.posted - 1);
      const answered = mine.filter((r) => !r.abandoned && r.acked >= 0 && r.acked === r.posted - 1);
      if (roll < 0.15 && retry.length > 0) {
        // The same version again, as a client retries what got no answer.
        const batch = retry.slice(0, 1 + this.#int(5)).map((run) => ({ run, version: run.posted - 1 }));
        for (const b of batch) b.run.retried = true;
        await this.#post(batch, batch.length > 1);
      } else if (roll < 0.25 && answered.length > 0) {
        const run = answered[this.#int(answered.length)]!;
        await this.#post([{ run, version: run.posted }], false);
      } else if (roll < 0.75) {
        const run = this.#newRun(w);
        mine.push(run);
        // Now and then an impatient client: it gives up before the answer, the server stores the run anyway.
        await this.#post([{ run, version: 0 }], false, roll < 0.3 ? 5 + this.#int(60) : undefined);
      } else {
        const batch = Array.from({ length: 2 + this.#int(19) }, () => ({ run: this.#newRun(w), version: 0 }));
        mine.push(...batch.map((b) => b.run));
        await this.#post(batch, true);
      }
      await pause(pauseMs);
    }
  }

  /** Starts `workers` workers, each pausing `pauseMs` between requests; answers a function that stops them. */
  start(workers: number, pauseMs: number): () => Promise<void> {
    this.#stopped = false;
    const running = Array.from({ length: workers }, (_, w) => this.#worker(w, pauseMs));
    return async () => {
      this.#stopped = true;
      await Promise.all(running);
    };
  }

  /** Re-posts (in bulk) the runs whose last post got no answer, with the server up and no kill. */
  async repost(runs: SentRun[]): Promise<void> {
    for (let i = 0; i < runs.length; i += 50) {
      const batch = runs.slice(i, i + 50).map((run) => ({ run, version: run.posted - 1 }));
      for (const b of batch) b.run.retried = true;
      await this.#post(batch, true);
    }
  }
}
