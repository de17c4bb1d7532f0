import { type Static, Type } from '@sinclair/typebox';
import type { IntegrationType } from '../../integrations/registry.js';

export const GITLAB_CLOUD_URL = 'https://gitlab.com';

const CommaList = (description: string) =>
  Type.Union(
    [Type.String({ maxLength: 10_000 }), Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 1000 })],
    { description },
  );

export const GitLabSettingsSchema = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        maxLength: 2048,
        description: `GitLab URL: ${GITLAB_CLOUD_URL} (default) or your self-managed instance.`,
      }),
    ),
    auth: Type.Optional(
      Type.Union([Type.Literal('pat'), Type.Literal('oauth')], {
        description: 'pat (default): a personal access token; oauth: sign in with GitLab (Reporter role or higher).',
      }),
    ),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'Personal access token with the api or read_api scope (auth=pat).',
      }),
    ),
    oauth_client_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'Application ID of the GitLab OAuth application.' }),
    ),
    oauth_client_secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'Secret of the GitLab OAuth application.' }),
    ),
    groups: Type.Optional(
      CommaList('Groups to include (full paths, subgroups included), comma-separated; blank = every visible project.'),
    ),
    projects: Type.Optional(CommaList('Projects to include (full paths, e.g. acme/checkout), comma-separated.')),
    exclude_groups: Type.Optional(CommaList('Groups whose projects are left out (full paths).')),
    exclude_projects: Type.Optional(CommaList('Projects left out (full paths).')),
    requests_per_minute: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 100_000,
        description:
          "Most API requests a sync makes per minute (default 1200; GitLab.com allows 2,000 per user). GitLab's " +
          'RateLimit headers slow it further when the instance asks.',
      }),
    ),
    history_days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description: 'How far back the first sync reaches (default 90 days).',
      }),
    ),
  },
  {
    additionalProperties: false,
    if: { properties: { auth: { const: 'oauth' } }, required: ['auth'] },
    then: { required: ['oauth_client_id', 'oauth_client_secret'] },
    else: { required: ['token'] },
  },
);
export type GitLabSettings = Static<typeof GitLabSettingsSchema>;

export const GITLAB_TYPE: IntegrationType = Object.freeze({
  type: 'gitlab',
  label: 'GitLab',
  description:
    'GitLab.com or self-managed: projects, commits, merge requests with reviews, pipelines with jobs, deployments, incidents.',
  settings: GitLabSettingsSchema,
  secretFields: ['token', 'oauth_client_secret'],
  acceptsWebhookRuns: false,
});

/** Splits a comma list (or takes a list), trimming blanks and slashes at the ends. */
export function pathList(value: string | readonly string[] | undefined): string[] {
  const items = typeof value === 'string' ? value.split(',') : (value ?? []);
  return [...new Set(items.map((s) => s.trim().replace(/^\/+|\/+$/g, '')).filter((s) => s !== ''))];
}
