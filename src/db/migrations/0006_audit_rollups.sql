-- Audit log totals at scale: the number of events of each completed UTC day, by the fields the list filters
-- on that have few values (domain/audit-totals.ts). audit_events is append-only and stamps each event with
-- its transaction's now(), so a day that ended a while ago never changes: its counts are kept once, no
-- write pays for them, and a total is these counts for the whole days of its window plus an index count
-- of the rest (the days not rolled up yet, a window's partial first and last day).

CREATE TABLE audit_daily_counts (
  tenant_id uuid NOT NULL,
  day date NOT NULL,
  reseller_id uuid,
  action text NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  resource text NOT NULL,
  events int NOT NULL
);
-- One row per day and combination of values: a day rolled up twice fails here instead of counting twice
-- (coalesce: a unique index takes NULLs, a tenant's reseller-less events, for distinct values). It also serves
-- the sums over a window's days, index-only (the reseller and the count come along).
CREATE UNIQUE INDEX audit_daily_counts_key ON audit_daily_counts (tenant_id, day, action, actor_type, actor_id,
  resource, coalesce(reseller_id, '00000000-0000-0000-0000-000000000000'::uuid)) INCLUDE (reseller_id, events);

-- Per tenant, the first day not rolled up: every day before it is in audit_daily_counts, none after.
-- A tenant without a row has nothing rolled up yet.
CREATE TABLE audit_rollup_state (
  tenant_id uuid PRIMARY KEY,
  rolled_until date NOT NULL
);

-- The history, rolled up once here so that the first request after the upgrade does not do it: every
-- tenant's days that ended more than an hour ago (the margin of domain/audit-totals.ts).
INSERT INTO audit_daily_counts (tenant_id, day, reseller_id, action, actor_type, actor_id, resource, events)
SELECT e.tenant_id, (e.occurred_at AT TIME ZONE 'UTC')::date, e.reseller_id, e.action, e.actor_type, e.actor_id,
  e.resource, count(*)
FROM audit_events e
WHERE e.tenant_id IN (SELECT id FROM tenants)
  AND e.occurred_at < (((now() - interval '1 hour') AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC')
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO audit_rollup_state (tenant_id, rolled_until)
SELECT id, ((now() - interval '1 hour') AT TIME ZONE 'UTC')::date FROM tenants;

ANALYZE audit_daily_counts;
