import type { Connector } from '../connector.js';
import { gitlabOAuth } from './auth.js';
import { collectGitLab } from './collect.js';
import { normalizeGitLab } from './normalize.js';
import { GITLAB_TYPE, type GitLabSettings } from './spec.js';
import { validateGitLab } from './validate.js';

/** GitLab (cloud or self-managed): projects, commits, merge requests, pipelines with jobs, deployments, incidents. */
export const gitlabConnector: Connector<GitLabSettings> = Object.freeze({
  spec: GITLAB_TYPE,
  // Projects first: everything else belongs to one.
  streams: [
    { name: 'projects', description: 'Projects in scope; deleted or hidden ones are marked gone' },
    { name: 'commits', description: 'Commits of each default branch' },
    { name: 'merge_requests', description: 'Merge requests with their commits and review notes' },
    { name: 'pipelines', description: 'Pipelines with their jobs, revisited until final' },
    { name: 'environments', description: 'Environments with their tier' },
    { name: 'deployments', description: 'Deployments with environment and tier' },
    { name: 'incidents', description: 'Incidents (issues of type incident) with severity and service labels' },
  ],
  validate: validateGitLab,
  collect: collectGitLab,
  normalize: normalizeGitLab,
  oauth: gitlabOAuth,
});
