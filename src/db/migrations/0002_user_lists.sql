-- User lists at the scale of a large partner (a million users in a tenant): every list, filter and sort
-- of both dialects is served by an index. All partial on live users, like the lists themselves. Where a
-- list pages deep, its ids come from an index-only scan, so each index holds every column the scan reads.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The v3 `name` (first and last name joined by a space), stored so that it can be indexed and sorted.
ALTER TABLE users ADD COLUMN name text NOT NULL
  GENERATED ALWAYS AS (CASE WHEN last_name = '' THEN first_name ELSE first_name || ' ' || last_name END) STORED;

-- One reseller's users (v3), by each sortable field; the id last so that pages never repeat a row.
CREATE INDEX users_reseller_updated ON users (tenant_id, reseller_id, updated_at, id) WHERE deleted_at IS NULL;
-- The role comes along so that a role filter sorted by name stays an index-only scan.
CREATE INDEX users_reseller_name ON users (tenant_id, reseller_id, name, id) INCLUDE (role) WHERE deleted_at IS NULL;
-- An index-only scan cannot read a column through an expression of it: the email comes along (INCLUDE).
CREATE INDEX users_reseller_email ON users (tenant_id, reseller_id, lower(email), id) INCLUDE (email)
  WHERE deleted_at IS NULL;
-- sort=role is ORDER BY role, id; a role filter in the default order (created_at, id) needs the other.
CREATE INDEX users_reseller_role ON users (tenant_id, reseller_id, role, id) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_role_created ON users (tenant_id, reseller_id, role, created_at, id)
  WHERE deleted_at IS NULL;
-- organizationId filters (v3 lists are always one reseller's): index-only, totals included.
DROP INDEX users_organization;
CREATE INDEX users_organization_created ON users (tenant_id, reseller_id, organization_id, created_at, id)
  WHERE deleted_at IS NULL;

-- A whole tenant's users (v1 for a csp token): by name, by email, by creation.
CREATE INDEX users_tenant_name ON users (tenant_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant_email ON users (tenant_id, lower(email), id) INCLUDE (email) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant_created ON users (tenant_id, created_at, id) WHERE deleted_at IS NULL;
-- Deleted users, for totals that count the rest by subtraction (group members).
CREATE INDEX users_tenant_deleted ON users (tenant_id, id) WHERE deleted_at IS NOT NULL;

-- The planner ignores the statistics of partial expression indexes: without these, lower(email) = $1
-- would be guessed to match 0.5% of the users, and an email filter walked the whole creation order.
CREATE STATISTICS users_lower_email ON (lower(email)) FROM users;

-- Contains / starts-with / ends-with filters and free-text search on name and email.
CREATE INDEX users_name_trgm ON users USING gin (name gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops) WHERE deleted_at IS NULL;

-- Group membership filter (v1 `groups`).
DROP INDEX user_groups_group;
CREATE INDEX user_groups_group ON user_groups (tenant_id, group_id, user_id);

-- The audit log by action (v1 Operations, v3 action), newest first.
CREATE INDEX audit_events_tenant_action_time ON audit_events (tenant_id, action, occurred_at DESC, id DESC);

-- The audit log by actor (v3 actorId), newest first.
CREATE INDEX audit_events_tenant_actor_time ON audit_events (tenant_id, actor_id, occurred_at DESC, id DESC);
