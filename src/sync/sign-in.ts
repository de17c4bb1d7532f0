// "Sign in with GitLab" for an integration: the authorization-code flow with PKCE. The server sends the
// person to the upstream's authorize page with a single-use state, and trades the code it gets back at
// the callback for tokens, which are sealed and used (and refreshed) by the syncs.
import { createHash, randomBytes } from 'node:crypto';
import type { Connector } from '../connectors/connector.js';
import { randomToken, sha256Hex } from '../core/crypto.js';
import { InputError, NotFoundError } from '../core/errors.js';
import type { CredentialStore } from '../store/credentials.js';
import type { Db } from '../store/db.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { SyncService } from './service.js';

const SIGN_IN_TTL_MS = 10 * 60_000;

export interface SignInDeps {
  db: Db;
  integrations: IntegrationStore;
  credentials: CredentialStore;
  service: SyncService;
}

const base64url = (b: Buffer): string => b.toString('base64url');

/** The integration's connector, when its settings sign in with OAuth. */
async function oauthIntegration(deps: SignInDeps, tenantId: string, id: string) {
  const integration = await deps.integrations.get(deps.db, tenantId, id);
  const connector: Connector<never> = deps.service.connectorFor(integration.type);
  const settings = await deps.integrations.settingsOf(deps.db, tenantId, id);
  if (connector.oauth === undefined || !connector.oauth.uses(settings as never)) {
    throw new InputError(
      'oauth_not_used',
      `Integration ${id} does not sign in with OAuth (for GitLab, set auth to "oauth" with the application's id and secret).`,
      { field: 'auth' },
    );
  }
  return { integration, connector, oauth: connector.oauth, settings };
}

/** Starts a sign-in: the URL to send the person to, valid for 10 minutes. Re-authenticating is the same. */
export async function startSignIn(
  deps: SignInDeps,
  tenantId: string,
  id: string,
  redirectUri: string,
): Promise<{ authorize_url: string; redirect_uri: string; expires_at: Date }> {
  const { integration, oauth, settings } = await oauthIntegration(deps, tenantId, id);
  const state = randomToken(32);
  const verifier = base64url(randomBytes(48));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const expiresAt = new Date(deps.service.clock.now() + SIGN_IN_TTL_MS);
  await deps.credentials.saveSignIn(deps.db, sha256Hex(state), {
    tenantId,
    integrationId: integration.id,
    verifier,
    redirectUri,
    expiresAt,
  });
  return {
    authorize_url: oauth.authorizeUrl(settings as never, { state, challenge, redirectUri }),
    redirect_uri: redirectUri,
    expires_at: expiresAt,
  };
}

export interface CallbackQuery {
  state?: string;
  code?: string;
  error?: string;
  error_description?: string;
}

/** The upstream sent the person back: trade the code for tokens and keep them sealed. */
export async function finishSignIn(
  deps: SignInDeps,
  q: CallbackQuery,
): Promise<{ tenant_id: string; integration_id: string; name: string; authorized_by: string | null }> {
  if (q.state === undefined || q.state === '')
    throw new InputError('missing_state', 'No state came back.', { field: 'state' });
  const pending = await deps.credentials.takeSignIn(deps.db, sha256Hex(q.state));
  if (pending === null) {
    throw new NotFoundError('This sign-in is unknown or was already used: start it again from the integration.', {
      code: 'unknown_sign_in',
      field: 'state',
    });
  }
  if (pending.expiresAt.getTime() < deps.service.clock.now()) {
    throw new InputError('sign_in_expired', 'This sign-in took longer than 10 minutes: start it again.', {
      field: 'state',
    });
  }
  if (q.error !== undefined) {
    throw new InputError('sign_in_refused', `The sign-in was not granted: ${q.error_description ?? q.error}.`, {
      field: 'error',
    });
  }
  if (q.code === undefined || q.code === '')
    throw new InputError('missing_code', 'No code came back.', { field: 'code' });
  const { integration, oauth, settings } = await oauthIntegration(deps, pending.tenantId, pending.integrationId);
  const ctx = deps.service.context(settings as never, AbortSignal.timeout(60_000));
  const { tokens, user } = await oauth.exchange(ctx, {
    code: q.code,
    verifier: pending.verifier,
    redirectUri: pending.redirectUri,
  });
  await deps.credentials.save(deps.db, pending.tenantId, integration.id, tokens, user);
  return { tenant_id: pending.tenantId, integration_id: integration.id, name: integration.name, authorized_by: user };
}
