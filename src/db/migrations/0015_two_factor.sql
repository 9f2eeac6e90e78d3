-- Two-factor sign-in (TOTP, RFC 6238). One secret per user, encrypted like every stored secret
-- (secrets/envelope.ts; its authenticated data names the row's id), pending until a code confirms it. The
-- last accepted time step is kept, so that a code counts once. Recovery codes are kept as SHA-256 hashes of
-- high-entropy random values, each used once.
CREATE TABLE user_two_factor (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  secret text NOT NULL,
  confirmed_at timestamptz,
  last_step bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE user_recovery_codes (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  code_hash text NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (tenant_id, user_id, code_hash),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
