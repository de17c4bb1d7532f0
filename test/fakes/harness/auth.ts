// API keys of the fake account: `pat.<accountId>.<tokenId>.<secret>` (or `sat.`), each with a set of
// RBAC permissions, optionally scoped to some orgs or projects, revocable and expirable.
//
// Validation follows harness-core TokenValidationHelper: the key is looked up by token id and must
// match prefix, secret and account. A token used with another account's `accountIdentifier` fails
// there with code INVALID_TOKEN ("Invalid account token access"), which the NG error mapper has
// answered with 401 since harness-core PR #39425; so the fake answers 401 INVALID_TOKEN, not 403.

import { expiredToken, invalidToken } from './errors.js';
import type { Rng } from './prng.js';

export type HarnessPermission = 'core_organization_view' | 'core_project_view' | 'core_pipeline_view';

export const ALL_PERMISSIONS: readonly HarnessPermission[] = [
  'core_organization_view',
  'core_project_view',
  'core_pipeline_view',
];

export interface FakeKeySpec {
  /** A full token to accept; default: generated for this account. Its account part may differ on purpose. */
  token?: string;
  kind?: 'pat' | 'sat';
  /** Default: all three view permissions. */
  permissions?: readonly HarnessPermission[];
  /** Orgs the key can see; default all (or the orgs of `projects` when that is set). */
  orgs?: readonly string[];
  /** `org/project` pairs the key can see; default every project of its orgs. */
  projects?: readonly string[];
  /** Expiry on the fake's clock, epoch ms. */
  expiresAt?: number;
}

export interface FakeKey {
  readonly token: string;
  readonly tokenId: string;
  readonly permissions: ReadonlySet<HarnessPermission>;
  readonly orgs?: ReadonlySet<string>;
  readonly projects?: ReadonlySet<string>;
  expiresAt?: number;
  revoked: boolean;
}

export interface KeyStore {
  add(spec?: FakeKeySpec): FakeKey;
  find(token: string): FakeKey | undefined;
  /** Validates a token for a request; `accountIdentifier` is the account the request names, if any. */
  authenticate(token: string | undefined, accountIdentifier: string | undefined, now: number): FakeKey;
}

export function createKeyStore(accountId: string, rng: Rng): KeyStore {
  const byTokenId = new Map<string, FakeKey>();
  return {
    add(spec = {}) {
      const token = spec.token ?? `${spec.kind ?? 'pat'}.${accountId}.${rng.id(24)}.${rng.id(20)}`;
      const parts = token.split('.');
      const tokenId = parts[2];
      if (parts.length !== 4 || !tokenId) throw new Error('a token looks like pat.<accountId>.<tokenId>.<secret>');
      const projects = spec.projects ? new Set(spec.projects) : undefined;
      const orgs = spec.orgs ?? (spec.projects ? spec.projects.map((p) => p.split('/')[0] ?? '') : undefined);
      const key: FakeKey = {
        token,
        tokenId,
        permissions: new Set(spec.permissions ?? ALL_PERMISSIONS),
        ...(orgs ? { orgs: new Set(orgs) } : {}),
        ...(projects ? { projects } : {}),
        ...(spec.expiresAt !== undefined ? { expiresAt: spec.expiresAt } : {}),
        revoked: false,
      };
      byTokenId.set(tokenId, key);
      return key;
    },
    find: (token) => byTokenId.get(token.split('.')[2] ?? ''),
    authenticate(token, accountIdentifier, now) {
      if (!token) throw invalidToken();
      const parts = token.split('.');
      const key = parts.length === 4 ? byTokenId.get(parts[2] ?? '') : undefined;
      if (!key || key.revoked || key.token !== token) throw invalidToken();
      if (parts[1] !== accountId) throw invalidToken();
      if (accountIdentifier !== undefined && accountIdentifier !== accountId) throw invalidToken();
      if (key.expiresAt !== undefined && now >= key.expiresAt) throw expiredToken();
      return key;
    },
  };
}

export function canSeeOrg(key: FakeKey, org: string): boolean {
  return !key.orgs || key.orgs.has(org);
}

export function canSeeProject(key: FakeKey, org: string, project: string): boolean {
  if (!canSeeOrg(key, org)) return false;
  return !key.projects || key.projects.has(`${org}/${project}`);
}
