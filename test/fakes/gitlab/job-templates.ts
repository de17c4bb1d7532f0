// The jobs of each kind of pipeline, by stage: build → test → deploy (a child pipeline: validate → plan).
// Merge-request pipelines build and test; default-branch pipelines also deploy to staging and offer a
// manual production deploy (and, in projects with child pipelines, trigger one through a bridge);
// nightly scheduled pipelines run end-to-end tests and deploy to the development environment.

import type { Environment, PipelineKind, Project, Tier } from './model.js';

export interface JobTemplate {
  name: string;
  stage: string;
  kind: 'script' | 'deploy' | 'bridge';
  minS: number;
  maxS: number;
  failRate: number;
  flakyRate?: number;
  allowFailure?: boolean;
  manual?: boolean;
  env?: Environment;
  coverage?: boolean;
}

function job(
  name: string,
  stage: string,
  minS: number,
  maxS: number,
  failRate: number,
  extra: Partial<JobTemplate> = {},
) {
  return { name, stage, kind: 'script' as const, minS, maxS, failRate, ...extra };
}

const deployJob = (env: Environment, manual: boolean): JobTemplate =>
  job(`deploy-${env.name}`, 'deploy', 60, 300, manual ? 0 : 0.03, { kind: 'deploy', env, manual });

function envOf(project: Project, tier: Tier): Environment | undefined {
  return project.environments.find((e) => e.tier === tier);
}

const templateCache = new WeakMap<Project, Map<PipelineKind, { templates: JobTemplate[]; stages: string[] }>>();

/** The jobs of a kind of pipeline in a project, and its stages in order (cached: plans are made often). */
export function templatesFor(kind: PipelineKind, project: Project): { templates: JobTemplate[]; stages: string[] } {
  let byKind = templateCache.get(project);
  if (!byKind) templateCache.set(project, (byKind = new Map()));
  let entry = byKind.get(kind);
  if (!entry) {
    const templates = buildTemplates(kind, project);
    entry = { templates, stages: [...new Set(templates.map((t) => t.stage))] };
    byKind.set(kind, entry);
  }
  return entry;
}

function buildTemplates(kind: PipelineKind, project: Project): JobTemplate[] {
  const compile = job('compile', 'build', 60, 240, 0.04);
  const unit = job('unit-tests', 'test', 120, 480, 0.07, { coverage: true });
  const lint = job('lint', 'test', 20, 90, 0.15, { allowFailure: true });
  const integration = job('integration-tests', 'test', 240, 900, 0.04, { flakyRate: 0.1 });
  const staging = envOf(project, 'staging');
  const production = envOf(project, 'production');
  const development = envOf(project, 'development');
  switch (kind) {
    case 'mr':
      return [compile, unit, lint, integration];
    case 'main':
      return [
        compile,
        job('docker-image', 'build', 90, 300, 0.02),
        unit,
        lint,
        integration,
        ...(project.childPipelines ? [job('trigger-terraform', 'test', 0, 0, 0, { kind: 'bridge' })] : []),
        ...(staging ? [deployJob(staging, false)] : []),
        ...(production ? [deployJob(production, true)] : []),
      ];
    case 'schedule':
      return [
        compile,
        unit,
        job('e2e-tests', 'test', 400, 1200, 0.05, { flakyRate: 0.1 }),
        ...(development ? [deployJob(development, false)] : []),
      ];
    case 'child':
      return [job('terraform-validate', 'validate', 20, 60, 0.02), job('terraform-plan', 'plan', 60, 180, 0.05)];
  }
}
