import type { OAuthTokens, OAuthTokenStore } from '../connectors/connector.js';
import type { SecretBox } from '../core/crypto.js';
import type { Queryable } from './db.js';

export interface PendingSignIn {
  tenantId: string;
  integrationId: string;
  verifier: string;
  redirectUri: string;
  expiresAt: Date;
}

/** OAuth tokens of integrations and the sign-ins under way, sealed with the server's key. */
export class CredentialStore {
  constructor(private readonly box: SecretBox) {}

  async load(db: Queryable, tenantId: string, integrationId: string): Promise<OAuthTokens | null> {
    const rows = await db.query<{ sealed: string }>(
      'SELECT sealed FROM integration_credentials WHERE tenant_id = $1 AND integration_id = $2',
      [tenantId, integrationId],
    );
    return rows[0] === undefined ? null : (JSON.parse(this.box.decrypt(rows[0].sealed)) as OAuthTokens);
  }

  async save(
    db: Queryable,
    tenantId: string,
    integrationId: string,
    tokens: OAuthTokens,
    authorizedBy?: string | null,
  ): Promise<void> {
    await db.query(
      `INSERT INTO integration_credentials (tenant_id, integration_id, sealed, authorized_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, integration_id) DO UPDATE SET sealed = EXCLUDED.sealed,
         authorized_by = COALESCE(EXCLUDED.authorized_by, integration_credentials.authorized_by), updated_at = now()`,
      [tenantId, integrationId, this.box.encrypt(JSON.stringify(tokens)), authorizedBy ?? null],
    );
  }

  /** Who signed in and when the tokens last changed; never the tokens. */
  async info(
    db: Queryable,
    tenantId: string,
    integrationId: string,
  ): Promise<{ authorized_by: string | null; updated_at: Date; expires_at: Date } | null> {
    const rows = await db.query<{ authorized_by: string | null; updated_at: Date; sealed: string }>(
      'SELECT authorized_by, updated_at, sealed FROM integration_credentials WHERE tenant_id = $1 AND integration_id = $2',
      [tenantId, integrationId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    const tokens = JSON.parse(this.box.decrypt(row.sealed)) as OAuthTokens;
    return { authorized_by: row.authorized_by, updated_at: row.updated_at, expires_at: new Date(tokens.expires_at) };
  }

  /** The connector's view: read the tokens, save a refreshed pair. */
  tokenStore(db: Queryable, tenantId: string, integrationId: string): OAuthTokenStore {
    return {
      load: () => this.load(db, tenantId, integrationId),
      save: (tokens) => this.save(db, tenantId, integrationId, tokens),
    };
  }

  async saveSignIn(db: Queryable, stateHash: string, s: PendingSignIn): Promise<void> {
    await db.query("DELETE FROM oauth_requests WHERE expires_at < now() - interval '1 day'");
    await db.query(
      `INSERT INTO oauth_requests (tenant_id, state_hash, integration_id, verifier, redirect_uri, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.tenantId, stateHash, s.integrationId, this.box.encrypt(s.verifier), s.redirectUri, s.expiresAt],
    );
  }

  /** The sign-in a state belongs to, used up (a state works once); null when unknown. */
  async takeSignIn(db: Queryable, stateHash: string): Promise<PendingSignIn | null> {
    const rows = await db.query<{
      tenant_id: string;
      integration_id: string;
      verifier: string;
      redirect_uri: string;
      expires_at: Date;
    }>(
      `DELETE FROM oauth_requests WHERE state_hash = $1
       RETURNING tenant_id, integration_id::text AS integration_id, verifier, redirect_uri, expires_at`,
      [stateHash],
    );
    const r = rows[0];
    if (r === undefined) return null;
    return {
      tenantId: r.tenant_id,
      integrationId: r.integration_id,
      verifier: this.box.decrypt(r.verifier),
      redirectUri: r.redirect_uri,
      expiresAt: r.expires_at,
    };
  }
}
