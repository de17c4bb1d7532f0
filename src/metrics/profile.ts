import { type Static, Type } from '@sinclair/typebox';
import { check } from '../core/validate.js';
import type { Queryable } from '../store/db.js';

const Names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200, uniqueItems: true, description });

/** What counts: which runs are production deployments, and which of them failed. */
export const DoraProfileSchema = Type.Object(
  {
    production_environment_types: Names(
      'Deployment targets whose environment type (Harness environment type, GitLab tier) is one of these, ' +
        'without case, are production.',
    ),
    production_environments: Names('Deployment targets with one of these environment names are production too.'),
    webhook_cd_is_production: Type.Boolean({
      description: 'Webhook runs posted with cd: true and no target are production deployments.',
    }),
    sources: Names('Only runs from these sources count (custom, harnessng, gitlab); empty = all.'),
    pipelines: Names('Only these pipelines count as deployments; empty = all.'),
    counted_results: Names('Results that make a run a deployment attempt (canceled or skipped ones never deployed).'),
    failure_results: Names('Results that make a deployment failed (besides cfr_status: true).'),
    incident_window_hours: Type.Integer({
      minimum: 0,
      maximum: 24 * 90,
      description: 'A deployment linked to an incident opened within this many hours counts as failed.',
    }),
  },
  { additionalProperties: false },
);
export type DoraProfile = Static<typeof DoraProfileSchema>;

/** Works with no setup: webhook cd runs, Harness Production environments, GitLab production tier. */
export const DEFAULT_PROFILE: DoraProfile = Object.freeze({
  production_environment_types: ['production'],
  production_environments: [],
  webhook_cd_is_production: true,
  sources: [],
  pipelines: [],
  counted_results: ['success', 'failure', 'unstable'],
  failure_results: ['failure'],
  incident_window_hours: 24,
}) as DoraProfile;

/** A profile change: any subset of the fields, checked; the rest stays. */
export function mergeProfile(base: DoraProfile, change: unknown): DoraProfile {
  const partial = check<Partial<DoraProfile>>(Type.Partial(DoraProfileSchema), change, 'profile');
  return check<DoraProfile>(DoraProfileSchema, { ...base, ...partial }, 'profile');
}

export async function loadProfile(db: Queryable, tenantId: string): Promise<DoraProfile> {
  const rows = await db.query<{ profile: DoraProfile }>('SELECT profile FROM dora_profiles WHERE tenant_id = $1', [
    tenantId,
  ]);
  // Fields added to the profile later take their defaults in profiles saved before.
  return rows[0] === undefined ? DEFAULT_PROFILE : { ...DEFAULT_PROFILE, ...rows[0].profile };
}

export async function saveProfile(db: Queryable, tenantId: string, profile: DoraProfile): Promise<void> {
  await db.query(
    `INSERT INTO dora_profiles (tenant_id, profile) VALUES ($1, $2::jsonb)
     ON CONFLICT (tenant_id) DO UPDATE SET profile = EXCLUDED.profile, updated_at = now()`,
    [tenantId, JSON.stringify(profile)],
  );
}
