import type { HarnessApi, HarnessOrg } from './api.js';
import { listSetting, projectSetting, type HarnessSettings } from './spec.js';

export interface ProjectRef {
  org: string;
  project: string;
}

/** The settings name something Harness does not have: reported by name, with a case hint. */
export class ScopeError extends Error {}

function caseHint(wanted: string, known: readonly string[]): string {
  const near = known.find((k) => k.toLowerCase() === wanted.toLowerCase());
  return near === undefined ? '' : ` (did you mean "${near}"? Names are case-sensitive)`;
}

/** Finds an org by identifier or by name, exactly (Harness names are case-sensitive). */
function findOrg(orgs: readonly HarnessOrg[], wanted: string): HarnessOrg | undefined {
  return orgs.find((o) => o.org.identifier === wanted) ?? orgs.find((o) => o.org.name === wanted);
}

/**
 * The projects to sync: the named ones (org/project), else every project of the named orgs, else
 * every project the key can see. Named orgs and projects that do not exist are reported by name.
 */
export async function resolveScope(
  api: HarnessApi,
  settings: HarnessSettings,
  orgs: HarnessOrg[],
): Promise<ProjectRef[]> {
  const wantedOrgs = listSetting(settings.organizations);
  const wantedProjects = projectSetting(settings.projects);
  const known = orgs.flatMap((o) => [o.org.identifier, o.org.name]);
  const missingOrgs = wantedOrgs.filter((w) => findOrg(orgs, w) === undefined);
  if (missingOrgs.length > 0) {
    throw new ScopeError(
      `The key sees no organization ${missingOrgs.map((m) => `"${m}"${caseHint(m, known)}`).join(', ')}.`,
    );
  }
  const orgIds =
    wantedOrgs.length > 0 ? wantedOrgs.map((w) => findOrg(orgs, w)!.org.identifier) : orgs.map((o) => o.org.identifier);
  const malformed = wantedProjects.filter((p) => p.org === '' || p.project === '');
  if (malformed.length > 0) {
    throw new ScopeError(`Projects must be written org/project: ${malformed.map((p) => `"${p.raw}"`).join(', ')}.`);
  }
  const projectOrgs = wantedProjects.length > 0 ? [...new Set(wantedProjects.map((p) => p.org))] : orgIds;
  const out: ProjectRef[] = [];
  const missing: string[] = [];
  for (const wantedOrg of projectOrgs) {
    const org = findOrg(orgs, wantedOrg);
    if (org === undefined) {
      missing.push(
        ...wantedProjects.filter((p) => p.org === wantedOrg).map((p) => `"${p.raw}"${caseHint(wantedOrg, known)}`),
      );
      continue;
    }
    const projects = await api.projects(org.org.identifier);
    if (wantedProjects.length === 0) {
      out.push(...projects.map((p) => ({ org: org.org.identifier, project: p.project.identifier })));
      continue;
    }
    for (const w of wantedProjects.filter((p) => p.org === wantedOrg)) {
      const hit =
        projects.find((p) => p.project.identifier === w.project) ?? projects.find((p) => p.project.name === w.project);
      if (hit === undefined) {
        const names = projects.flatMap((p) => [p.project.identifier, p.project.name]);
        missing.push(`"${w.raw}"${caseHint(w.project, names)}`);
      } else out.push({ org: org.org.identifier, project: hit.project.identifier });
    }
  }
  if (missing.length > 0) throw new ScopeError(`The key sees no project ${missing.join(', ')}.`);
  if (out.length === 0) {
    throw new ScopeError(
      wantedOrgs.length > 0
        ? `The organizations ${wantedOrgs.join(', ')} hold no project the key can see.`
        : 'The key sees no project in any organization.',
    );
  }
  return out;
}
