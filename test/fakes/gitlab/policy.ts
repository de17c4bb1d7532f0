// Who may read what, as a table (GitLab's permissions page, "Project members permissions"): Guests and
// Planners, and non-members of internal or public projects, see the project; reading code and merge
// requests of a private project needs Reporter; pipelines and jobs need Reporter unless the project has
// public pipelines ("Project-based pipeline visibility"); deployments need Reporter; environments need
// Reporter unless the project is public. Roles and those two project settings are the knobs tests turn.

import { ACCESS, type Project, type User } from './model.js';
import { accessLevel } from './structure.js';

export type Ability =
  'read_code' | 'read_merge_request' | 'read_pipeline' | 'read_build' | 'read_environment' | 'read_deployment';

type Rule = (project: Project, level: number) => boolean;

const isOpen = (project: Project): boolean => project.visibility !== 'private';
const pipelinesOpen: Rule = (project, level) => project.publicPipelines && (level > 0 || isOpen(project));

const OPEN_TO_ALL: Record<Ability, Rule> = {
  read_code: isOpen,
  read_merge_request: isOpen,
  read_pipeline: pipelinesOpen,
  read_build: pipelinesOpen,
  read_environment: (project) => project.visibility === 'public',
  read_deployment: () => false,
};

/** Whether the user sees the project at all (else: 404 Project Not Found). */
export function canSeeProject(user: User, project: Project): boolean {
  return !project.deleted && (isOpen(project) || accessLevel(user, project) > 0);
}

export function can(user: User, project: Project, ability: Ability): boolean {
  const level = accessLevel(user, project);
  return level >= ACCESS.reporter || OPEN_TO_ALL[ability](project, level);
}
