// Realistic custom CI/CD run bodies from a seeded generator, so every bench sends the same mix.

/** mulberry32: a tiny seeded PRNG; answers floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PIPELINES = [
  'api/build',
  'api/deploy-staging',
  'api/deploy-prod',
  'web/build',
  'web/e2e',
  'web/deploy-prod',
  'billing/build',
  'billing/deploy-prod',
  'mobile/build-ios',
  'mobile/build-android',
  'infra/terraform-plan',
  'infra/terraform-apply',
];
const STAGES = ['Checkout', 'Install', 'Lint', 'Unit tests', 'Build', 'Integration tests', 'Package', 'Deploy'];
const STEPS = ['sh', 'git', 'npm ci', 'docker build', 'docker push', 'kubectl apply', 'junit', 'archiveArtifacts'];
const BRANCHES = ['main', 'main', 'main', 'release/2.4', 'feature/login', 'fix/timeout', 'renovate/deps'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', null];

/** What the generated runs hold, to describe the mix in the report. */
export interface MixStats {
  runs: number;
  bytes: number;
  stages: number;
  steps: number;
  commits: number;
  artifacts: number;
  params: number;
}

/**
 * Makes run bodies for one instance: every run has a unique execution_id (so each is a new row), about
 * 60% carry 2-6 stages with 0-4 steps each, 80% carry 1-3 commit SHAs, 30% carry artifacts, 50% carry
 * build parameters; 85% succeed.
 */
export class RunFactory {
  readonly #rand: () => number;
  readonly #guid: string;
  readonly #prefix: string;
  #seq = 0;
  readonly stats: MixStats = { runs: 0, bytes: 0, stages: 0, steps: 0, commits: 0, artifacts: 0, params: 0 };

  constructor(guid: string, prefix: string, seed = 42) {
    this.#rand = prng(seed);
    this.#guid = guid;
    this.#prefix = prefix;
  }

  #int(min: number, max: number): number {
    return min + Math.floor(this.#rand() * (max - min + 1));
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#rand() * items.length)]!;
  }

  #sha(): string {
    let s = '';
    while (s.length < 40)
      s += Math.floor(this.#rand() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0');
    return s;
  }

  /** One run as JSON text. */
  next(): string {
    const seq = ++this.#seq;
    const pipeline = this.#pick(PIPELINES);
    const deploy = pipeline.includes('deploy') || pipeline.includes('apply');
    const start = 1_735_689_600_000 + seq * 7_000; // from 2025-01-01, one run every 7 s
    const duration = this.#int(30_000, 1_200_000);
    const run: Record<string, unknown> = {
      pipeline,
      job_full_name: `folder/${pipeline}`,
      qualified_name: `folder/${pipeline}`,
      instance_name: 'Jenkins-bench',
      instance_guid: this.#guid,
      instance_url: 'https://jenkins.example.com',
      start_time: start,
      duration,
      result: this.#rand() < 0.85 ? 'SUCCESS' : 'FAILURE',
      execution_id: `${this.#prefix}-${seq}`,
      build_number: seq,
      branch_name: this.#pick(BRANCHES),
      user_id: this.#pick(USERS),
      project_name: pipeline.split('/')[0],
      repo_url: `https://git.example.com/${pipeline.split('/')[0]}.git`,
      web_url: `https://jenkins.example.com/job/${pipeline}/${seq}/`,
      ci: !deploy,
      cd: deploy,
    };
    this.stats.runs++;
    if (this.#rand() < 0.8) {
      const commits = Array.from({ length: this.#int(1, 3) }, () => this.#sha());
      run['scm_commit_ids'] = commits;
      this.stats.commits += commits.length;
    }
    if (this.#rand() < 0.6) {
      const first = this.#int(0, STAGES.length - 2);
      const stages = STAGES.slice(first, first + this.#int(2, 6)).map((displayName) => {
        const steps = Array.from({ length: this.#int(0, 4) }, () => ({
          displayName: this.#pick(STEPS),
          displayDescription: null,
          result: 'SUCCESS',
          state: 'FINISHED',
          durationInMillis: this.#int(100, 120_000),
        }));
        this.stats.steps += steps.length;
        return {
          displayName,
          result: 'SUCCESS',
          state: 'FINISHED',
          durationInMillis: this.#int(1_000, 300_000),
          steps,
        };
      });
      run['job_run'] = { stages };
      this.stats.stages += stages.length;
    }
    if (this.#rand() < 0.3) {
      const artifacts = Array.from({ length: this.#int(1, 2) }, (_, i) => ({
        output: true,
        type: 'container',
        location: `registry.example.com/${pipeline}`,
        name: `${pipeline.split('/')[0]}-${i}`,
        qualifier: `1.${seq}.${i}`,
        hash: `sha256:${this.#sha()}${this.#sha().slice(0, 24)}`,
        metadata: { size_bytes: this.#int(10_000_000, 900_000_000), arch: 'amd64' },
      }));
      run['artifacts'] = artifacts;
      this.stats.artifacts += artifacts.length;
    }
    if (this.#rand() < 0.5) {
      const params = [
        { type: 'StringParameterValue', name: 'ENV', value: deploy ? 'prod' : 'ci' },
        { type: 'BooleanParameterValue', name: 'SKIP_TESTS', value: this.#rand() < 0.1 },
        { type: 'StringParameterValue', name: 'VERSION', value: `1.${seq}.0` },
        { type: 'NumberParameterValue', name: 'SHARDS', value: this.#int(1, 8) },
      ].slice(0, this.#int(1, 4));
      run['job_run_params'] = params;
      this.stats.params += params.length;
    }
    const text = JSON.stringify(run);
    this.stats.bytes += Buffer.byteLength(text);
    return text;
  }

  /** `n` runs as an NDJSON body. */
  ndjson(n: number): string {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(this.next());
    return lines.join('\n') + '\n';
  }
}
