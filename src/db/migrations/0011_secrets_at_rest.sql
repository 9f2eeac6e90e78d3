-- Secrets at rest. The signing keys' private JWKs and the webhook signing secrets become ciphertexts under the
-- key-encryption key (secrets/envelope.ts: `enc:v1:<kid>:…`). A migration cannot encrypt (the key is not in
-- the database), so it marks what it finds in clear with `plain:`; each start seals the marked values
-- (secrets/seal.ts) before it serves, and reads refuse anything that is not a ciphertext.

ALTER TABLE signing_keys ALTER COLUMN private_jwk TYPE text USING 'plain:' || private_jwk::text;
UPDATE webhook_endpoints SET secret = 'plain:' || secret;
COMMENT ON COLUMN webhook_endpoints.secret IS 'The signing secret, encrypted under the key-encryption key.';

-- Server-wide secrets, each made once and kept encrypted under the key-encryption key (rotating that key
-- re-encrypts them, never changes them): the pepper of the API clients' secret hashes.
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
