-- User lists at the scale of a large partner (a million users in a tenant): every list, filter and sort
-- of both dialects is served by an index. All partial on live users, like the lists themselves.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The v3 `name` (first and last name joined by a space), stored so that it can be indexed and sorted.
ALTER TABLE users ADD COLUMN name text NOT NULL
  GENERATED ALWAYS AS (CASE WHEN last_name = '' THEN first_name ELSE first_name || ' ' || last_name END) STORED;

-- One reseller's users (v3), by each sortable field; the id last so that pages never repeat a row.
CREATE INDEX users_reseller_updated ON users (tenant_id, reseller_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_name ON users (tenant_id, reseller_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_email ON users (tenant_id, reseller_id, lower(email), id) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_role ON users (tenant_id, reseller_id, role, created_at, id) WHERE deleted_at IS NULL;
DROP INDEX users_organization;
CREATE INDEX users_organization_created ON users (tenant_id, organization_id, created_at, id)
  WHERE deleted_at IS NULL;

-- A whole tenant's users (v1 for a csp token): by name, by email (users_tenant_email_key), by creation.
CREATE INDEX users_tenant_name ON users (tenant_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant_created ON users (tenant_id, created_at, id) WHERE deleted_at IS NULL;

-- Contains / starts-with / ends-with filters and free-text search on name and email.
CREATE INDEX users_name_trgm ON users USING gin (name gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops) WHERE deleted_at IS NULL;

-- Group membership filter (v1 `groups`).
DROP INDEX user_groups_group;
CREATE INDEX user_groups_group ON user_groups (tenant_id, group_id, user_id);
