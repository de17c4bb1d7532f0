// Builds the fixed part of the fake instance from the catalog: users, groups (one with a subgroup),
// projects with their environments, and memberships. Ids look like gitlab.com ids and come from the seed.

import { deriveSeed } from '../common/prng.js';
import { GROUPS, PEOPLE, type GroupSpec, type ProjectSpec } from './catalog.js';
import type { Environment, Group, Project, User } from './model.js';
import { createRng, type Rng } from './prng.js';
import { DAY, startOfDay } from './time.js';

export interface StructureOptions {
  seed: number;
  now: number;
  /** How many top-level groups of the catalog to create (1..3). */
  groups: number;
}

export interface Structure {
  users: User[];
  /** The owner of the default token. */
  mainUser: User;
  groups: Group[];
  projects: Project[];
}

/** Monotonic ids with gaps, as a shared instance hands them out. */
export function idSequence(rng: Rng, start: number, maxGap = 9): () => number {
  let last = start;
  return () => (last += rng.int(1, maxGap));
}

export function buildStructure(options: StructureOptions): Structure {
  const rng = createRng(deriveSeed(options.seed, 'structure'));
  const today = startOfDay(options.now);
  const userId = idSequence(rng, 1_400_000 + rng.int(0, 90_000), 40_000);
  const users: User[] = PEOPLE.map((p) => ({
    id: userId(),
    username: p.username,
    name: p.name,
    email: `${p.username}@acme-corp.example`,
    tz: p.tz,
    jobTitle: p.jobTitle,
    createdAt: today - rng.int(800, 2600) * DAY + rng.int(0, DAY - 1),
  }));
  const byName = new Map(users.map((u) => [u.username, u]));
  const ids = {
    group: idSequence(rng, 5_100_000 + rng.int(0, 90_000), 5_000),
    project: idSequence(rng, 48_200_000 + rng.int(0, 900_000), 30_000),
    env: idSequence(rng, 9_300_000 + rng.int(0, 90_000), 400),
  };
  const groups: Group[] = [];
  const projects: Project[] = [];
  const members = (spec: Record<string, number> | undefined): Map<number, number> => {
    const out = new Map<number, number>();
    for (const [username, level] of Object.entries(spec ?? {})) {
      const user = byName.get(username);
      if (!user) throw new Error(`unknown catalog user ${username}`);
      out.set(user.id, level);
    }
    return out;
  };
  const addGroup = (spec: GroupSpec, parent: Group | null): void => {
    const group: Group = {
      id: ids.group(),
      name: spec.name,
      path: spec.path,
      fullPath: parent ? `${parent.fullPath}/${spec.path}` : spec.path,
      parent,
      description: spec.description,
      visibility: spec.visibility,
      createdAt: today - rng.int(1300, 2200) * DAY + rng.int(0, DAY - 1),
      members: members(spec.members),
    };
    groups.push(group);
    for (const p of spec.projects) projects.push(buildProject(p, group, projects.length));
    for (const sub of spec.subgroups ?? []) addGroup(sub, group);
  };
  const buildProject = (spec: ProjectSpec, group: Group, index: number): Project => {
    const createdAt = today - rng.int(420, 1200) * DAY + rng.int(0, DAY - 1);
    const slug = `${spec.path}.${group.path}`;
    const environments: Environment[] = spec.envs.map((e) => ({
      id: ids.env(),
      name: e.name,
      tier: e.tier,
      externalUrl: `https://${e.tier === 'production' ? '' : `${e.name}.`}${slug}.acme-corp.example`,
      createdAt: createdAt + rng.int(1, 30) * DAY,
    }));
    return {
      index,
      id: ids.project(),
      name: spec.name,
      path: spec.path,
      group,
      pathWithNamespace: `${group.fullPath}/${spec.path}`,
      description: spec.description,
      defaultBranch: 'main',
      visibility: spec.visibility,
      archived: spec.archivedDaysAgo !== undefined,
      activeUntil: spec.archivedDaysAgo !== undefined ? today - spec.archivedDaysAgo * DAY : null,
      createdAt,
      topics: spec.topics,
      environments,
      publicPipelines: false,
      issuesEnabled: true,
      childPipelines: spec.childPipelines ?? false,
      busyness: spec.busyness,
      members: members(spec.members),
      deleted: false,
      lastActivityAt: createdAt,
      commits: [],
      mergeRequests: [],
      pipelines: [],
      deployments: [],
      issues: [],
    };
  };
  for (const spec of GROUPS.slice(0, options.groups)) addGroup(spec, null);
  const mainUser = users[0];
  if (!mainUser) throw new Error('the catalog has no people');
  return { users, mainUser, groups, projects };
}

/** Effective access of a user to a project: the highest of the project and ancestor-group memberships. */
export function accessLevel(user: User, project: Project): number {
  let level = project.members.get(user.id) ?? 0;
  for (let g: Group | null = project.group; g; g = g.parent) level = Math.max(level, g.members.get(user.id) ?? 0);
  return level;
}

/** Highest membership of a user in a group or its ancestors (what `group_access` shows). */
export function groupAccessLevel(user: User, group: Group): number {
  let level = 0;
  for (let g: Group | null = group; g; g = g.parent) level = Math.max(level, g.members.get(user.id) ?? 0);
  return level;
}
