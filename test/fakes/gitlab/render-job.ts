// Jobs (`Entities::Ci::Job`) and bridges (`Entities::Ci::Bridge`) of a pipeline at the fake's clock.
// Jobs are re-planned from the pipeline's spec, so ids are the pipeline's job block plus the job's index.

import type { JobPlan } from './jobs-plan.js';
import type { Pipeline } from './model.js';
import { commitJson } from './render-commit.js';
import { pipelineBasic } from './render-pipeline.js';
import { userPublic, type Json } from './render-user.js';
import { FINAL, firstAt, statusAt, transitionAt } from './status.js';
import { iso, isoOrNull, seconds } from './time.js';

interface RunnerSpec {
  id: number;
  description: string;
}

const RUNNERS: readonly RunnerSpec[] = [
  { id: 12270807, description: 'shared-runners-manager-3.acme-corp.example' },
  { id: 12270831, description: 'shared-runners-manager-4.acme-corp.example' },
  { id: 30417218, description: 'k8s-runner-large' },
  { id: 30417219, description: 'k8s-runner-small' },
];

function runnerJson(index: number): Json {
  const runner = RUNNERS[index % RUNNERS.length] as RunnerSpec;
  return {
    id: runner.id,
    description: runner.description,
    ip_address: null,
    active: true,
    paused: false,
    is_shared: true,
    runner_type: 'instance_type',
    name: 'gitlab-runner',
    online: true,
    status: 'online',
  };
}

function runnerManager(index: number, created: number): Json {
  const runner = RUNNERS[index % RUNNERS.length] as RunnerSpec;
  return {
    id: runner.id * 10 + 1,
    system_id: `r_${runner.id.toString(16).padStart(12, '0')}`,
    version: '17.5.0',
    revision: '66a723c3',
    platform: 'linux',
    architecture: 'amd64',
    created_at: iso(created - 90 * 86_400_000),
    contacted_at: iso(created),
    ip_address: null,
    status: 'online',
  };
}

export function jobId(pipeline: Pipeline, job: JobPlan): number {
  return pipeline.firstJobId + job.index;
}

export function jobStatus(job: JobPlan, t: number): string {
  return statusAt(job.transitions, t);
}

/** `JobBasic`: the fields jobs and bridges share. */
function jobBasic(pipeline: Pipeline, job: JobPlan, base: string, t: number): Json {
  const { project } = pipeline;
  const id = jobId(pipeline, job);
  const status = jobStatus(job, t);
  const started = firstAt(job.transitions, 'running', t);
  const ended = FINAL.has(status) && status !== 'skipped' ? (transitionAt(job.transitions, t)?.at ?? null) : null;
  const pending = job.transitions.filter((x) => x.status === 'pending' && x.at <= t).at(-1)?.at ?? null;
  const played = job.player !== null && pending !== null;
  return {
    id,
    status,
    stage: job.template.stage,
    name: job.template.name,
    ref: pipeline.ref,
    tag: false,
    coverage: status === 'success' ? job.coverage : null,
    allow_failure: job.template.allowFailure === true || job.template.manual === true,
    created_at: iso(job.createdAt),
    started_at: isoOrNull(started),
    finished_at: isoOrNull(ended),
    erased_at: null,
    duration: started !== null ? seconds((ended ?? t) - started) : null,
    queued_duration: pending !== null ? seconds((started ?? t) - pending) : null,
    user: userPublic(played && job.player ? job.player : pipeline.user, base),
    commit: commitJson(pipeline.commit, project, base),
    pipeline: pipelineBasic(pipeline, base, t),
    ...(status === 'failed' ? { failure_reason: job.failureReason ?? 'script_failure' } : {}),
    web_url: `${base}/${project.pathWithNamespace}/-/jobs/${id}`,
    project: { ci_job_token_scope_enabled: false },
  };
}

export function jobJson(pipeline: Pipeline, job: JobPlan, base: string, t: number): Json {
  const basic = jobBasic(pipeline, job, base, t);
  const ran = basic.started_at !== null && job.runner !== null;
  const done = basic.finished_at !== null && ran;
  return {
    ...basic,
    artifacts: done
      ? [{ file_type: 'trace', size: 2000 + ((job.index * 7919) % 90_000), filename: 'job.log', file_format: null }]
      : [],
    runner: ran ? runnerJson(job.runner ?? 0) : null,
    runner_manager: ran ? runnerManager(job.runner ?? 0, job.createdAt) : null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: job.template.kind === 'deploy' ? ['deploy'] : ['docker', 'linux'],
  };
}

export function bridgeJson(pipeline: Pipeline, job: JobPlan, base: string, t: number): Json {
  const child = pipeline.child && !pipeline.child.deleted && pipeline.child.spec.createdAt <= t ? pipeline.child : null;
  return { ...jobBasic(pipeline, job, base, t), downstream_pipeline: child ? pipelineBasic(child, base, t) : null };
}

/** Jobs that exist at `t`; retried ones only with `include_retried`. */
export function visibleJobs(jobs: readonly JobPlan[], t: number, includeRetried: boolean): JobPlan[] {
  return jobs.filter((j) => j.createdAt <= t && (includeRetried || j.retriedAt === null || j.retriedAt > t));
}
