-- Sign-in with OpenID Connect (auth/oidc.ts).

-- A sign-in under way, between the redirect to the issuer and its callback: kept server-side, found by the
-- SHA-256 of its state (the state itself is never stored), used once (deleted as it is read), ten minutes
-- at most. The PKCE verifier is a secret: encrypted under the key-encryption key (secrets/envelope.ts).
CREATE TABLE oidc_logins (
  state_hash text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  provider_id text NOT NULL,
  return_to text NOT NULL,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- An identity at an issuer (its subject) linked to one user of a tenant: the user signs in with it from then
-- on, whatever email the issuer states later.
CREATE TABLE user_identities (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  provider_id text NOT NULL,
  issuer text NOT NULL,
  subject text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  CONSTRAINT user_identities_subject_key UNIQUE (tenant_id, issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (tenant_id, user_id);
