// Groups and projects. Lists and single projects carry the caller's `permissions` (project and group
// access levels), unless `simple=true`.

import type { Group, Project, User } from './model.js';
import { groupAccessLevel } from './structure.js';
import type { Json } from './render-user.js';
import { iso } from './time.js';

function groupNames(group: Group): string[] {
  return group.parent ? [...groupNames(group.parent), group.name] : [group.name];
}

export function namespaceJson(group: Group, base: string): Json {
  return {
    id: group.id,
    name: group.name,
    path: group.path,
    kind: 'group',
    full_path: group.fullPath,
    parent_id: group.parent?.id ?? null,
    avatar_url: null,
    web_url: `${base}/groups/${group.fullPath}`,
  };
}

export function groupJson(group: Group, base: string): Json {
  return {
    id: group.id,
    web_url: `${base}/groups/${group.fullPath}`,
    name: group.name,
    path: group.path,
    description: group.description,
    visibility: group.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: groupNames(group).join(' / '),
    full_path: group.fullPath,
    created_at: iso(group.createdAt),
    parent_id: group.parent?.id ?? null,
    organization_id: 1,
    shared_runners_setting: 'enabled',
    ldap_cn: null,
    ldap_access: null,
    wiki_access_level: 'enabled',
    marked_for_deletion_on: null,
  };
}

export function projectSimple(project: Project, base: string): Json {
  const url = `${base}/${project.pathWithNamespace}`;
  const host = new URL(base).host;
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: [...groupNames(project.group), project.name].join(' / '),
    path: project.path,
    path_with_namespace: project.pathWithNamespace,
    created_at: iso(project.createdAt),
    default_branch: project.defaultBranch,
    tag_list: project.topics,
    topics: project.topics,
    ssh_url_to_repo: `git@${host.split(':')[0]}:${project.pathWithNamespace}.git`,
    http_url_to_repo: `${url}.git`,
    web_url: url,
    readme_url: `${url}/-/blob/${project.defaultBranch}/README.md`,
    forks_count: 0,
    avatar_url: null,
    star_count: project.id % 7,
    last_activity_at: iso(project.lastActivityAt),
    namespace: namespaceJson(project.group, base),
  };
}

const ENABLED = ['issues', 'repository', 'merge_requests', 'forking', 'wiki', 'builds', 'snippets', 'pages'];
const MORE = ['analytics', 'container_registry', 'security_and_compliance', 'releases', 'environments'];
const ACCESS_LEVELS = Object.fromEntries([...ENABLED, ...MORE].map((f) => [`${f}_access_level`, 'enabled']));

export function projectFull(project: Project, base: string, user: User): Json {
  const api = `${base}/api/v4/projects/${project.id}`;
  const projectLevel = project.members.get(user.id);
  const groupLevel = groupAccessLevel(user, project.group);
  return {
    ...projectSimple(project, base),
    container_registry_image_prefix: `registry.${new URL(base).hostname}/${project.pathWithNamespace}`,
    _links: {
      self: api,
      issues: `${api}/issues`,
      merge_requests: `${api}/merge_requests`,
      repo_branches: `${api}/repository/branches`,
      labels: `${api}/labels`,
      events: `${api}/events`,
      members: `${api}/members`,
      cluster_agents: `${api}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: false,
    archived: project.archived,
    visibility: project.visibility,
    resolve_outdated_diff_discussions: false,
    repository_object_format: 'sha1',
    issues_enabled: project.issuesEnabled,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    container_registry_enabled: true,
    service_desk_enabled: false,
    can_create_merge_request_in: true,
    ...ACCESS_LEVELS,
    issues_access_level: project.issuesEnabled ? 'enabled' : 'disabled',
    emails_disabled: false,
    emails_enabled: true,
    shared_runners_enabled: true,
    lfs_enabled: true,
    creator_id: project.group.members.keys().next().value ?? null,
    import_status: 'none',
    open_issues_count: project.issues.filter((i) => !i.deleted && i.state === 'opened').length,
    description_html: `<p data-sourcepos="1:1-1:${project.description.length}" dir="auto">${project.description}</p>`,
    updated_at: iso(project.lastActivityAt),
    ci_default_git_depth: 20,
    ci_forward_deployment_enabled: true,
    public_jobs: project.publicPipelines,
    build_timeout: 3600,
    auto_cancel_pending_pipelines: 'enabled',
    ci_config_path: '',
    shared_with_groups: [],
    only_allow_merge_if_pipeline_succeeds: true,
    allow_merge_on_skipped_pipeline: null,
    request_access_enabled: true,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: true,
    printing_merge_request_link_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    autoclose_referenced_issues: true,
    permissions: {
      project_access: projectLevel ? { access_level: projectLevel, notification_level: 3 } : null,
      group_access: groupLevel ? { access_level: groupLevel, notification_level: 3 } : null,
    },
  };
}
