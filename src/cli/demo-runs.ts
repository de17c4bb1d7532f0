// The handful of runs `npm run demo` posts to POST /v1/custom-cicd, as a Jenkins job would: a build
// and a deploy of one service over the last days, one red build fixed by the next one.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Sample {
  pipeline: string;
  build: number;
  /** How long before `now` the run started. */
  ago: number;
  durationMs: number;
  result: 'SUCCESS' | 'FAILURE';
  sha: string;
  user: string;
}

const SAMPLES: Sample[] = [
  {
    pipeline: 'inventory-build',
    build: 311,
    ago: 3 * DAY + 2 * HOUR,
    durationMs: 7 * MINUTE,
    result: 'SUCCESS',
    sha: 'a3f1c9e',
    user: 'dana',
  },
  {
    pipeline: 'inventory-deploy',
    build: 97,
    ago: 3 * DAY + HOUR,
    durationMs: 4 * MINUTE,
    result: 'SUCCESS',
    sha: 'a3f1c9e',
    user: 'dana',
  },
  {
    pipeline: 'inventory-build',
    build: 312,
    ago: 2 * DAY + 5 * HOUR,
    durationMs: 6 * MINUTE,
    result: 'FAILURE',
    sha: '5be0d42',
    user: 'omar',
  },
  {
    pipeline: 'inventory-build',
    build: 313,
    ago: 2 * DAY + 3 * HOUR,
    durationMs: 8 * MINUTE,
    result: 'SUCCESS',
    sha: '9c27e10',
    user: 'omar',
  },
  {
    pipeline: 'inventory-deploy',
    build: 98,
    ago: 2 * DAY + 2 * HOUR,
    durationMs: 5 * MINUTE,
    result: 'SUCCESS',
    sha: '9c27e10',
    user: 'omar',
  },
  {
    pipeline: 'inventory-build',
    build: 314,
    ago: 5 * HOUR,
    durationMs: 7 * MINUTE,
    result: 'SUCCESS',
    sha: 'e81f3b6',
    user: 'lee',
  },
];

/** Webhook bodies for the instance `guid`, with start times relative to `now` (epoch ms). */
export function demoWebhookRuns(guid: string, instanceName: string, instanceUrl: string, now: number) {
  return SAMPLES.map((s) => {
    const deploy = s.pipeline.endsWith('-deploy');
    const stages = deploy
      ? [
          { displayName: 'Deploy to staging', result: 'SUCCESS', durationInMillis: Math.round(s.durationMs * 0.4) },
          { displayName: 'Deploy to prod', result: s.result, durationInMillis: Math.round(s.durationMs * 0.6) },
        ]
      : [
          { displayName: 'Checkout', result: 'SUCCESS', durationInMillis: 20_000 },
          { displayName: 'Unit tests', result: s.result, durationInMillis: s.durationMs - 80_000 },
          { displayName: 'Package', result: s.result === 'SUCCESS' ? 'SUCCESS' : 'SKIPPED', durationInMillis: 60_000 },
        ];
    return {
      instance_guid: guid,
      instance_name: instanceName,
      instance_url: instanceUrl,
      pipeline: s.pipeline,
      job_full_name: `inventory/${s.pipeline}`,
      qualified_name: `inventory/${s.pipeline}`,
      project_name: 'inventory',
      execution_id: `demo-${s.pipeline}-${s.build}`,
      build_number: s.build,
      start_time: now - s.ago,
      duration: s.durationMs,
      result: s.result,
      user_id: s.user,
      repo_url: 'https://github.com/example/inventory',
      branch_name: 'main',
      scm_commit_ids: [s.sha],
      ci: !deploy,
      cd: deploy,
      job_run: { stages },
      trigger_chain: [{ id: 'SCMTrigger', type: 'SCMTriggerCause' }],
      web_url: `${instanceUrl}/job/${s.pipeline}/${s.build}/`,
    };
  });
}
