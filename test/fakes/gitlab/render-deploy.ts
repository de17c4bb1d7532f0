// Environments and deployments. A deployment follows its deploy job: created with the pipeline, running
// while the job runs, then success/failed/canceled (or skipped); a manual production deploy stays
// `created` until someone plays it, and its user becomes whoever played it.

import type { Deployment, Environment, Project } from './model.js';
import { jobJson } from './render-job.js';
import { userBasic, type Json } from './render-user.js';
import { statusAt, transitionAt } from './status.js';
import { iso } from './time.js';
import type { World } from './world.js';

export function environmentSlug(env: Environment): string {
  return env.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function environmentBasic(env: Environment): Json {
  return {
    id: env.id,
    name: env.name,
    slug: environmentSlug(env),
    external_url: env.externalUrl,
    created_at: iso(env.createdAt),
    updated_at: iso(env.createdAt),
    tier: env.tier,
  };
}

export function environmentJson(env: Environment, project: Project): Json {
  return {
    ...environmentBasic(env),
    description: null,
    state: 'available',
    auto_stop_at: null,
    auto_stop_setting: 'always',
    kubernetes_namespace: null,
    flux_resource_path: null,
    enable_advanced_logs_querying: false,
    logs_api_path: `/${project.pathWithNamespace}/-/logs/k8s.json?environment_name=${encodeURIComponent(env.name)}`,
  };
}

export function deploymentStatus(d: Deployment, t: number): string {
  return statusAt(d.transitions, t);
}

export function deploymentUpdatedAt(d: Deployment, t: number): number {
  return transitionAt(d.transitions, t)?.at ?? d.createdAt;
}

export function deploymentFinishedAt(d: Deployment, t: number): number | null {
  const status = deploymentStatus(d, t);
  return status === 'success' || status === 'failed' || status === 'canceled' ? deploymentUpdatedAt(d, t) : null;
}

export function deploymentJson(d: Deployment, world: World, base: string, t: number): Json {
  const { pipeline } = d;
  const job = world.plan(pipeline).jobs.find((j) => j.index === d.jobIndex);
  const user = d.player && d.player.at <= t ? d.player.user : d.user;
  return {
    id: d.id,
    iid: d.iid,
    ref: pipeline.ref,
    sha: pipeline.commit.sha,
    created_at: iso(d.createdAt),
    updated_at: iso(deploymentUpdatedAt(d, t)),
    user: userBasic(user, base),
    environment: environmentBasic(d.environment),
    deployable: job && !pipeline.deleted ? jobJson(pipeline, job, base, t) : null,
    status: deploymentStatus(d, t),
  };
}
