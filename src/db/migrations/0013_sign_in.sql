-- Users who sign in (issue 15): sessions, their refresh tokens, and the login-failure state of each user.

-- A session is one sign-in and every token refreshed from it: a refresh-token family (RFC 9700 §4.14).
-- Revoking it ends every refresh token of the family at once; its access tokens stop at the principal check.
CREATE TABLE user_sessions (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  -- The token audience asked for at sign-in: reseller-api or customer-portal.
  audience text NOT NULL,
  -- How it began: password, oidc, … (two-factor and other branches add theirs).
  method text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- Why: logout, refresh_token_reused, password_changed, password_set, user_deleted, …
  revoked_reason text,
  ip_address text,
  user_agent text,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
-- A user's live sessions (revoked together on a password change).
CREATE INDEX user_sessions_user_live ON user_sessions (tenant_id, user_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored only as the SHA-256 of a 32-byte random value: a stolen table holds no usable token.
-- Each is used once: using it retires it and issues the next; presenting a retired one revokes its session.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES user_sessions (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  retired_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Consecutive failed sign-ins and the lock they led to, apart from the user's row: a failure changes neither
-- the user's updated_at nor sends reseller.user.updated. No row: no failure since the last success.
CREATE TABLE user_login_failures (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  failures integer NOT NULL CHECK (failures >= 0),
  locked_until timestamptz,
  last_failure_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
