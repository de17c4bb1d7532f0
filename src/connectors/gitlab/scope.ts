import type { GitLabApi, GitLabProject } from './api.js';
import { type GitLabSettings, pathList } from './spec.js';

/** The settings name a group or project GitLab does not show these credentials: reported by name. */
export class ScopeError extends Error {}

const isNotFound = (err: unknown): boolean => (err as { upstreamStatus?: number }).upstreamStatus === 404;

/** Is `path` the group or inside it (GitLab paths compare without case)? */
const within = (path: string, group: string): boolean =>
  path.toLowerCase() === group.toLowerCase() || path.toLowerCase().startsWith(`${group.toLowerCase()}/`);

/**
 * The projects to sync: those of the named groups (subgroups included) and the named projects, else
 * every project the credentials are a member of; then the excluded groups and projects are taken out.
 * Named groups and projects GitLab does not show are reported by name.
 */
export async function resolveProjects(api: GitLabApi, settings: GitLabSettings): Promise<GitLabProject[]> {
  const groups = pathList(settings.groups);
  const projects = pathList(settings.projects);
  const found = new Map<number, GitLabProject>();
  const missing: string[] = [];
  if (groups.length === 0 && projects.length === 0) {
    for (const p of await api.memberProjects()) found.set(p.id, p);
  }
  for (const g of groups) {
    try {
      for (const p of await api.groupProjects(g)) found.set(p.id, p);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(`group "${g}"`);
    }
  }
  for (const path of projects) {
    try {
      const p = await api.project(path);
      found.set(p.id, p);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(`project "${path}"`);
    }
  }
  if (missing.length > 0) {
    throw new ScopeError(`GitLab shows these credentials no ${missing.join(', ')} (deleted, renamed or private?).`);
  }
  const excludedGroups = pathList(settings.exclude_groups);
  const excludedProjects = new Set(pathList(settings.exclude_projects).map((p) => p.toLowerCase()));
  const out = [...found.values()]
    .filter((p) => !excludedGroups.some((g) => within(p.path_with_namespace, g)))
    .filter((p) => !excludedProjects.has(p.path_with_namespace.toLowerCase()))
    .sort((a, b) => a.id - b.id);
  if (out.length === 0) {
    throw new ScopeError(
      groups.length + projects.length > 0
        ? 'The chosen groups and projects hold no project once the exclusions are applied.'
        : 'These credentials are a member of no project (or every one is excluded).',
    );
  }
  return out;
}
