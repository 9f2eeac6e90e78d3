-- The v3 event-logs actorType filter: nearly every event is an API client's, and a filter on the rare others
-- (system, platform) matched a few events by reading the whole log (0.1-0.2 s at 1.3M events). A partial
-- index of the rare ones only: a few entries, found at once; actorType=client walks the log, where they all are.
CREATE INDEX audit_events_tenant_rare_actor_type ON audit_events (tenant_id, actor_type, occurred_at DESC, id DESC)
  WHERE actor_type <> 'client';
