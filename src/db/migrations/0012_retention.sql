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
-- ids (UUIDv7), from the oldest. Idempotency keys are purged by expires_at, indexed in 0010.
