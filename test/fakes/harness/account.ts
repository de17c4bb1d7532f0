// The account's structure: orgs, projects (with their people, repo and services) and pipelines.
// Each org draws from its own seeded sequence, so changing `orgCount` leaves the other orgs as they were.

import { deriveSeed } from '../common/prng.js';
import { ORG_CATALOG, PEOPLE_NAMES, PROJECT_COLORS, type OrgEntry, type ProjectEntry } from './catalog.js';
import {
  DAY,
  HOUR,
  MINUTE,
  type Environment,
  type Org,
  type Person,
  type Pipeline,
  type PipelineFlavor,
  type Project,
  type StageSpec,
} from './model.js';
import { createRng, type Rng } from './prng.js';

export interface StructureOptions {
  seed: number;
  now: number;
  orgCount: number;
  includeDefaultOrg: boolean;
}

export interface AccountStructure {
  orgs: Org[];
  projects: Project[];
  pipelines: Pipeline[];
}

const ENVIRONMENTS: Record<'qa' | 'staging' | 'prod', Environment> = {
  qa: { identifier: 'qa', name: 'QA', type: 'PreProduction' },
  staging: { identifier: 'staging', name: 'Staging', type: 'PreProduction' },
  prod: { identifier: 'prod', name: 'Prod', type: 'Production' },
};

/** How long an approval waits before the run expires. */
export const APPROVAL_TIMEOUT_MS = HOUR;

export function buildStructure(options: StructureOptions): AccountStructure {
  const out: AccountStructure = { orgs: [], projects: [], pipelines: [] };
  if (options.includeDefaultOrg) addDefaultOrg(out, options.now);
  for (const entry of ORG_CATALOG.slice(0, options.orgCount)) {
    const rng = createRng(deriveSeed(options.seed, 'org', entry.id));
    addOrg(out, entry, rng, options.now);
  }
  return out;
}

function addDefaultOrg(out: AccountStructure, now: number): void {
  const created = now - 700 * DAY;
  out.orgs.push({
    identifier: 'default',
    name: 'Default',
    description: '',
    tags: {},
    created,
    updated: created,
    harnessManaged: false,
  });
  out.projects.push({
    org: 'default',
    identifier: 'default_project',
    name: 'Default Project',
    color: '#0063F7',
    modules: ['CD', 'CI'],
    description: '',
    tags: {},
    created,
    updated: created,
    repoName: 'hello-world',
    people: [],
    services: [],
  });
}

function addOrg(out: AccountStructure, entry: OrgEntry, rng: Rng, now: number): void {
  const created = now - rng.int(400, 650) * DAY;
  const updated = created + rng.int(1, 200) * DAY;
  out.orgs.push({
    identifier: entry.id,
    name: entry.name,
    description: entry.description,
    tags: { ...entry.tags },
    created,
    updated,
    harnessManaged: false,
  });
  const pool = rng
    .shuffle(PEOPLE_NAMES)
    .slice(0, rng.int(5, 7))
    .map((name) => makePerson(name, rng));
  const count = rng.int(2, Math.min(4, entry.projects.length));
  for (const projectEntry of entry.projects.slice(0, count)) {
    const project = makeProject(entry.id, projectEntry, rng, pool, created);
    out.projects.push(project);
    out.pipelines.push(...makePipelines(project, rng));
  }
}

function makePerson(name: string, rng: Rng): Person {
  const ascii = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f']/g, '')
    .toLowerCase();
  const [first = 'dev', ...rest] = ascii.split(' ');
  const last = rest.join('') || 'dev';
  return { uuid: rng.id(22), login: `${first.charAt(0)}${last}`, name, email: `${first}.${last}@example.com` };
}

function makeProject(org: string, entry: ProjectEntry, rng: Rng, pool: Person[], orgCreated: number): Project {
  const created = orgCreated + rng.int(1, 120) * DAY;
  const ciOnly = rng.chance(0.15);
  return {
    org,
    identifier: entry.id,
    name: entry.name,
    color: rng.pick(PROJECT_COLORS),
    modules: ciOnly ? ['CI'] : ['CD', 'CI'],
    description: rng.chance(0.5) ? `${entry.name} services` : '',
    tags: rng.chance(0.4) ? { tier: rng.pick(['critical', 'standard']) } : {},
    created,
    updated: created + rng.int(0, 90) * DAY,
    repoName: entry.repo,
    people: rng.shuffle(pool).slice(0, rng.int(3, Math.min(5, pool.length))),
    services: ciOnly
      ? []
      : entry.services.map((s) => ({
          identifier: s.id,
          name: s.name,
          deploymentType: s.deploymentType,
          infrastructureType: s.infrastructureType,
          imagePath: `registry.example.com/${org}/${s.id.replace(/_/g, '-')}`,
        })),
  };
}

function makePipelines(project: Project, rng: Rng): Pipeline[] {
  const flavors: PipelineFlavor[] = ['build'];
  if (project.modules.includes('CD')) flavors.push('deploy');
  const extras = rng
    .shuffle<PipelineFlavor>(['pr', 'nightly', 'hotfix'])
    .filter((f) => f !== 'hotfix' || project.modules.includes('CD'));
  flavors.push(...extras.slice(0, rng.int(0, Math.min(2, 4 - flavors.length))));
  return flavors.map((flavor) => makePipeline(project, flavor, rng));
}

const ci = (identifier: string, name: string, minMin: number, maxMin: number): StageSpec => ({
  identifier,
  name,
  kind: 'CI',
  minMs: minMin * MINUTE,
  maxMs: maxMin * MINUTE,
});
const deploy = (env: Environment, minMin: number, maxMin: number): StageSpec => ({
  identifier: `deploy_${env.identifier}`,
  name: `Deploy ${env.name}`,
  kind: 'Deployment',
  env,
  minMs: minMin * MINUTE,
  maxMs: maxMin * MINUTE,
});
const APPROVAL: StageSpec = {
  identifier: 'approve_prod',
  name: 'Approve Prod',
  kind: 'Approval',
  minMs: 2 * MINUTE,
  maxMs: 50 * MINUTE,
};

function stagesFor(flavor: PipelineFlavor, rng: Rng): StageSpec[][] {
  switch (flavor) {
    case 'build':
      return [[ci('build', 'Build and Test', 4, 12)], [ci('publish_image', 'Publish Image', 1, 4)]];
    case 'pr':
      return [[ci('compile', 'Compile', 1, 3)], [ci('unit_tests', 'Unit Tests', 3, 9), ci('lint', 'Lint', 1, 2)]];
    case 'nightly':
      return [[ci('integration_tests', 'Integration Tests', 15, 40)]];
    case 'deploy':
      return rng.chance(0.7)
        ? [[deploy(ENVIRONMENTS.staging, 3, 8)], [APPROVAL], [deploy(ENVIRONMENTS.prod, 4, 12)]]
        : [[deploy(ENVIRONMENTS.qa, 2, 6)], [deploy(ENVIRONMENTS.prod, 4, 12)]];
    case 'hotfix':
      return [[deploy(ENVIRONMENTS.prod, 3, 9)]];
  }
}

const NAMES: Record<PipelineFlavor, (project: string) => string> = {
  build: (p) => `Build ${p}`,
  pr: () => 'PR Checks',
  nightly: () => 'Nightly Integration',
  deploy: (p) => `Deploy ${p}`,
  hotfix: (p) => `Hotfix ${p}`,
};

const PREFIX: Record<PipelineFlavor, string> = {
  build: 'build',
  pr: 'pr_checks',
  nightly: 'nightly',
  deploy: 'deploy',
  hotfix: 'hotfix',
};

function makePipeline(project: Project, flavor: PipelineFlavor, rng: Rng): Pipeline {
  const isCd = flavor === 'deploy' || flavor === 'hotfix';
  return {
    org: project.org,
    project: project.identifier,
    identifier: `${PREFIX[flavor]}_${project.identifier}`,
    name: NAMES[flavor](project.name),
    module: isCd ? 'cd' : 'ci',
    flavor,
    groups: stagesFor(flavor, rng),
    tags: isCd && project.tags.tier === 'critical' ? [{ key: 'tier', value: 'critical' }] : [],
    timeoutMs: isCd ? 4 * HOUR : HOUR,
    firstRunSequence: rng.int(20, 400),
  };
}
