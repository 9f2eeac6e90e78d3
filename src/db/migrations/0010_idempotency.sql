-- Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header): the first response to a POST with an
-- Idempotency-Key, replayed to every repeat of that request by the same principal until it expires.
CREATE TABLE idempotency_keys (
  -- The principal that sent the key (`client:<id>` or `platform:<id>`): one client's keys never meet another's.
  scope text NOT NULL,
  key text NOT NULL,
  -- SHA-256 of the method, the path with its query, and the body: the same key for another request is refused.
  fingerprint text NOT NULL,
  -- While the first request runs: no status yet, and the claim lapses at locked_until (its process died).
  locked_until timestamptz NOT NULL,
  -- Set in the transaction that commits the request's change: a lapsed claim with it set is never run again.
  executed_at timestamptz,
  status integer,
  headers jsonb,
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- A tenant's own request rate limit, set by the platform operator (null: the service's default).
ALTER TABLE tenants ADD COLUMN rate_limit_max integer CHECK (rate_limit_max >= 0);
ALTER TABLE tenants ADD COLUMN rate_limit_window_s integer CHECK (rate_limit_window_s BETWEEN 1 AND 86400);
