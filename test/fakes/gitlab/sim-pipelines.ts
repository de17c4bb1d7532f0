// Pipeline events of the simulation: a default-branch pipeline after a merge or push (with the manual
// production deploy someone may play), and creating a pipeline with its deployments. A failed production
// deploy schedules a hotfix push; a bridge job schedules its child pipeline.

import { pipelineSpec, takePipelinePlan } from './jobs-plan.js';
import type { Commit, Deployment, MergeRequest, Pipeline, Project, User } from './model.js';
import { incidentAfterDeploy } from './sim-incidents.js';
import type { ProjectState, Sim } from './sim.js';
import { MINUTE, SECOND } from './time.js';

export const ZERO_SHA = '0'.repeat(40);

/** What a pipeline is created from, at `at`. */
export interface PipelineEvent extends Pick<
  Pipeline,
  'project' | 'spec' | 'commit' | 'beforeSha' | 'ref' | 'source' | 'user' | 'parent'
> {
  type: 'pipeline';
  at: number;
  mr: MergeRequest | null;
}

/** A pipeline on the default branch's head, created at `at` (nightly schedules, `addPipeline`). */
export function headPipeline(
  sim: Sim,
  project: Project,
  at: number,
  source: 'push' | 'web' | 'schedule',
  user: User,
): PipelineEvent {
  const s = sim.state(project);
  return {
    type: 'pipeline',
    at,
    project,
    spec: pipelineSpec(source === 'schedule' ? 'schedule' : 'main', s.rng.seed(), at),
    commit: s.head,
    beforeSha: ZERO_SHA,
    ref: project.defaultBranch,
    source,
    user,
    mr: null,
    parent: null,
  };
}

export function scheduleMainPipeline(
  sim: Sim,
  project: Project,
  s: ProjectState,
  at: number,
  commit: Commit,
  beforeSha: string,
  user: User,
  hotfix: boolean,
): void {
  const rng = s.rng;
  const createdAt = at + rng.int(3 * SECOND, 10 * SECOND);
  const prod = project.environments.some((env) => env.tier === 'production');
  const playChance = hotfix ? 1 : project.group.path === 'mobile' ? 0.25 : 0.5;
  const play =
    prod && rng.chance(playChance)
      ? {
          delayMs: hotfix ? rng.int(MINUTE, 4 * MINUTE) : rng.int(5 * MINUTE, 150 * MINUTE),
          user: hotfix ? user : rng.pick(s.maintainers),
          outcome: !hotfix && rng.chance(0.12) ? ('failed' as const) : ('success' as const),
        }
      : null;
  const spec = pipelineSpec('main', rng.seed(), createdAt, { mustPass: hotfix, play });
  sim.schedule({
    type: 'pipeline',
    at: createdAt,
    project,
    spec,
    commit,
    beforeSha,
    ref: project.defaultBranch,
    source: 'push',
    user,
    mr: null,
    parent: null,
  });
}

const DEPLOYMENT_STATUS: Record<string, string> = { manual: 'created', pending: 'created', created: 'created' };

export function createPipeline(sim: Sim, e: PipelineEvent): Pipeline {
  const { project } = e;
  const s = sim.state(project);
  const plan = takePipelinePlan(e.spec, project);
  const pipeline: Pipeline = {
    id: sim.ids.pipeline(),
    iid: ++s.pipelineIid,
    project,
    spec: e.spec,
    commit: e.commit,
    beforeSha: e.beforeSha,
    ref: e.ref,
    source: e.source,
    user: e.user,
    mergeRequest: e.mr,
    parent: e.parent,
    child: null,
    firstJobId: sim.ids.jobs(plan.jobs.length),
    jobCount: plan.jobs.length,
    transitions: plan.transitions,
    warningsAt: plan.warningsAt,
    coverage: plan.coverage,
    deleted: false,
  };
  project.pipelines.push(pipeline);
  e.mr?.pipelines.push(pipeline);
  if (e.parent) e.parent.child = pipeline;
  for (const job of plan.jobs) {
    const env = job.template.env;
    if (job.template.kind !== 'deploy' || !env) continue;
    const transitions = job.transitions
      .map((x) => ({ at: x.at, status: DEPLOYMENT_STATUS[x.status] ?? x.status }))
      .filter((x, i, all) => i === 0 || x.status !== all[i - 1]?.status);
    const play = job.transitions[job.transitions.findIndex((x) => x.status === 'manual') + 1];
    const deployment: Deployment = {
      id: sim.ids.deployment(),
      iid: ++s.deploymentIid,
      project,
      environment: env,
      pipeline,
      jobIndex: job.index,
      user: e.user,
      player: job.player && play?.status === 'pending' ? { user: job.player, at: play.at } : null,
      createdAt: e.at,
      transitions,
      deleted: false,
    };
    project.deployments.push(deployment);
    incidentAfterDeploy(sim, deployment);
  }
  if (plan.prodFailedAt !== null) {
    const author = s.rng.pick(s.maintainers);
    sim.schedule({
      type: 'push',
      at: plan.prodFailedAt + s.rng.int(15 * MINUTE, 90 * MINUTE),
      project,
      author,
      hotfix: true,
    });
  }
  if (plan.bridgeAt !== null) {
    const at = plan.bridgeAt + s.rng.int(500, 3000);
    const spec = pipelineSpec('child', s.rng.seed(), at);
    sim.schedule({ ...e, at, spec, source: 'parent_pipeline', mr: null, parent: pipeline });
  }
  return pipeline;
}
