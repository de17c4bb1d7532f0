-- Web app sign-ins: the browser holds a random token in an httpOnly cookie; only its SHA-256 is stored.
-- A session lives as long as its API key: revoking the key ends it (checked on every request).
CREATE TABLE web_sessions (
  tenant_id   text NOT NULL,
  id          uuid NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  key_id      uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, key_id) REFERENCES api_keys (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_expiry ON web_sessions (tenant_id, expires_at);
