import { type Static, Type } from '@sinclair/typebox';
import type { IntegrationType } from '../../integrations/registry.js';

export const HARNESS_CLOUD_URL = 'https://app.harness.io';

const CommaList = (description: string) =>
  Type.Union(
    [Type.String({ maxLength: 10_000 }), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })],
    {
      description,
    },
  );

export const HarnessSettingsSchema = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        maxLength: 2048,
        description: `Harness URL; default ${HARNESS_CLOUD_URL}.`,
      }),
    ),
    api_key: Type.String({ minLength: 1, maxLength: 4096, description: 'A Harness API key (pat.… or sat.…).' }),
    account_id: Type.String({ minLength: 1, maxLength: 256, description: 'Your Harness account id.' }),
    organizations: Type.Optional(
      CommaList(
        'Organizations to include, comma-separated, case-sensitive; blank = every organization the key can see.',
      ),
    ),
    projects: Type.Optional(
      CommaList(
        'Projects to include as org/project, comma-separated, case-sensitive; blank = every project of those orgs.',
      ),
    ),
    history_days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description: 'How far back the first sync reaches (default 90 days).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type HarnessSettings = Static<typeof HarnessSettingsSchema>;

export const HARNESS_TYPE: IntegrationType = Object.freeze({
  type: 'harnessng',
  label: 'Harness NG',
  description: 'Harness NextGen CI/CD pipelines: executions with stages, commits, services and environments.',
  settings: HarnessSettingsSchema,
  secretFields: ['api_key'],
  acceptsWebhookRuns: false,
});

/** Splits a comma list (or takes a list), trimming blanks; case is kept: Harness names are case-sensitive. */
export function listSetting(value: string | readonly string[] | undefined): string[] {
  const items = typeof value === 'string' ? value.split(',') : (value ?? []);
  return [...new Set(items.map((s) => s.trim()).filter((s) => s !== ''))];
}

/** `org/project` pairs from the projects setting; a malformed entry is reported by name. */
export function projectSetting(
  value: string | readonly string[] | undefined,
): { org: string; project: string; raw: string }[] {
  return listSetting(value).map((raw) => {
    const slash = raw.indexOf('/');
    return {
      org: slash < 0 ? '' : raw.slice(0, slash).trim(),
      project: slash < 0 ? raw : raw.slice(slash + 1).trim(),
      raw,
    };
  });
}
