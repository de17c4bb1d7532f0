// Pipelines at the fake's clock: the slim list item (`PipelineBasic`) and the single-pipeline object with
// timings, user and `detailed_status`. Before its planned end a pipeline shows pending or running and no
// `finished_at`/`duration`.

import type { Pipeline } from './model.js';
import { userBasic, type Json } from './render-user.js';
import { detailedStatus, FINAL, firstAt, statusAt, timeIn, transitionAt } from './status.js';
import { iso, isoOrNull } from './time.js';

export function pipelineStatus(pipeline: Pipeline, t: number): string {
  return statusAt(pipeline.transitions, t);
}

export function pipelineUpdatedAt(pipeline: Pipeline, t: number): number {
  return transitionAt(pipeline.transitions, t)?.at ?? pipeline.spec.createdAt;
}

export function pipelineBasic(pipeline: Pipeline, base: string, t: number): Json {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: pipeline.project.id,
    sha: pipeline.commit.sha,
    ref: pipeline.ref,
    status: pipelineStatus(pipeline, t),
    source: pipeline.source,
    created_at: iso(pipeline.spec.createdAt),
    updated_at: iso(pipelineUpdatedAt(pipeline, t)),
    web_url: `${base}/${pipeline.project.pathWithNamespace}/-/pipelines/${pipeline.id}`,
    name: null,
  };
}

export function pipelineDetail(pipeline: Pipeline, base: string, t: number): Json {
  const { transitions, spec } = pipeline;
  const status = pipelineStatus(pipeline, t);
  const final = FINAL.has(status);
  const started = firstAt(transitions, 'running', t);
  const { name: _name, ...basic } = pipelineBasic(pipeline, base, t);
  const warnings = pipeline.warningsAt !== null && pipeline.warningsAt <= t;
  return {
    ...basic,
    before_sha: pipeline.beforeSha,
    tag: false,
    yaml_errors: null,
    user: userBasic(pipeline.user, base),
    started_at: isoOrNull(started),
    finished_at: final ? isoOrNull(transitionAt(transitions, t)?.at) : null,
    committed_at: null,
    duration: final ? Math.round(timeIn(transitions, 'running', t) / 1000) : null,
    queued_duration: started !== null ? Math.round((started - spec.createdAt) / 1000) : null,
    coverage: final ? pipeline.coverage : null,
    detailed_status: detailedStatus(
      status,
      warnings,
      `/${pipeline.project.pathWithNamespace}/-/pipelines/${pipeline.id}`,
    ),
    archived: false,
    name: null,
  };
}
