-- Retention (retention/): the purge may delete audit events past RETENTION_AUDIT_DAYS. audit_events stays
-- append-only for everything else: the trigger lets a DELETE through only in a transaction that declared
-- itself the purge (set_config('reseller_api.audit_retention', 'on', true)), which also moves the daily
-- counts of what it deletes (0006_audit_rollups.sql) in the same transaction. UPDATE is refused as before.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('reseller_api.audit_retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Outbox events and deliveries need no index of their own: the purge walks their primary keys, time-ordered
-- ids (UUIDv7), from the oldest. Idempotency keys (0010, when there) are purged by expires_at: index it if the
-- table exists and nothing indexes it yet.
DO $$
BEGIN
  -- (to_regclass in the inner query too: a ::regclass cast of a missing table fails even where not reached.)
  IF to_regclass('idempotency_keys') IS NOT NULL AND NOT EXISTS (
    SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = to_regclass('idempotency_keys') AND a.attname = 'expires_at'
  ) THEN
    CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
  END IF;
END
$$;
