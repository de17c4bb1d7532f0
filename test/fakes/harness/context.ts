// What a route handler gets, what it returns, and the auth and RBAC checks they share.

import type { IncomingHttpHeaders } from 'node:http';
import type { Query } from '../common/http.js';
import type { Reply } from '../common/respond.js';
import type { FakeKey, HarnessPermission, KeyStore } from './auth.js';
import type { HarnessData } from './data.js';
import { accessDenied, type PermissionCheck } from './errors.js';

/** How list endpoints treat a key without the view permission: 403, or an RBAC-filtered empty list. */
export type DeniedListMode = 'forbid' | 'empty';

export interface RouteContext {
  /** The request URL as the client sent it (with `/gateway` when used). */
  readonly url: URL;
  readonly query: Query;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly now: number;
  readonly data: HarnessData;
  readonly keys: KeyStore;
  readonly deniedLists: DeniedListMode;
}

export type { Reply };

export type Handler = (ctx: RouteContext, params: readonly string[]) => Reply;

function header(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Authenticates `x-api-key`; `/ng` and `/pipeline` name the account in `accountIdentifier`. */
export function authenticate(ctx: RouteContext, accountIdentifier: string | undefined): FakeKey {
  return ctx.keys.authenticate(header(ctx, 'x-api-key'), accountIdentifier, ctx.now);
}

/** `/v1` takes no accountIdentifier; the optional `Harness-Account` header must match the key's account. */
export function authenticateV1(ctx: RouteContext): FakeKey {
  return authenticate(ctx, header(ctx, 'harness-account'));
}

/** `ResponseDTO` success envelope; the server fills in the correlationId. */
export function responseDto(data: unknown): Reply {
  return { body: { status: 'SUCCESS', data, metaData: null, correlationId: '' } };
}

/** Throws the NG 403 unless the key holds the permission (or says the list should come back empty). */
export function checkPermission(
  ctx: RouteContext,
  key: FakeKey,
  permission: HarnessPermission,
  check: Omit<PermissionCheck, 'permission'>,
  resourceLabel: string,
): 'allowed' | 'empty' {
  if (key.permissions.has(permission)) return 'allowed';
  if (ctx.deniedLists === 'empty' && check.resourceType !== 'PIPELINE') return 'empty';
  throw accessDenied({ ...check, permission }, resourceLabel);
}

export function accountScope(
  ctx: RouteContext,
  org: string | null = null,
  project: string | null = null,
): PermissionCheck['resourceScope'] {
  return { accountIdentifier: ctx.data.accountId, orgIdentifier: org, projectIdentifier: project };
}
