-- OAuth sign-in for integrations (GitLab): the pending authorization requests, and the tokens it yields,
-- sealed with the server's secret key like every other secret.

-- One row per "sign in with ..." started; the state is single-use and short-lived.
CREATE TABLE oauth_requests (
  tenant_id      text NOT NULL,
  state_hash     text NOT NULL,           -- sha256 of the state sent to the provider, never the state itself
  integration_id bigint NOT NULL,
  verifier       text NOT NULL,           -- the PKCE code verifier, sealed
  redirect_uri   text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, state_hash),
  FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE
);
-- The callback knows only the state: it finds the request without a tenant.
CREATE UNIQUE INDEX oauth_requests_state ON oauth_requests (state_hash);

-- Tokens an integration obtained by signing in (not typed in by a person): sealed JSON.
CREATE TABLE integration_credentials (
  tenant_id      text NOT NULL,
  integration_id bigint NOT NULL,
  sealed         text NOT NULL,
  authorized_by  text,                    -- the upstream user who signed in
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, integration_id),
  FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id) ON DELETE CASCADE
);
