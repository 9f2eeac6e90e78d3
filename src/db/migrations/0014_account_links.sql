-- Single-use links mailed to a user: an invitation (set a first password, 7 days) or a password reset (1 hour).
-- Only the SHA-256 of the link's token is kept (32 random bytes: nothing to guess, so no slow hash), so the
-- database never holds a working link. A link is used once (used_at), or retired when a newer link of the
-- same purpose is issued or a password is set through another link (retired_at).
CREATE TABLE account_links (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  user_id uuid NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('invitation', 'password-reset')),
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  retired_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
-- A link is found by its token's hash alone (the token names no tenant).
CREATE UNIQUE INDEX account_links_token_hash_key ON account_links (token_hash);
-- A user's links of a purpose, newest first: retiring the open ones, counting the last hour's (throttling).
CREATE INDEX account_links_user ON account_links (tenant_id, user_id, purpose, created_at);
