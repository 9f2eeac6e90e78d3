-- Tenants, principals, the reseller domain, audit and outbox. Every tenant-owned row carries tenant_id.

CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  domain text NOT NULL,
  name text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_domain_key ON tenants (lower(domain));

-- ES256 signing keys, shared by every API process of one database.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE TABLE resellers (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  email text NOT NULL,
  description text,
  allowed_users integer NOT NULL CHECK (allowed_users >= -1),
  allowed_organizations integer NOT NULL CHECK (allowed_organizations >= -1),
  -- Live counts, kept in the same transaction as each user/organization change, so that limits
  -- are checked in O(1) under the row lock instead of counting a million rows.
  user_count integer NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  organization_count integer NOT NULL DEFAULT 0 CHECK (organization_count >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  UNIQUE (tenant_id, id)
);
CREATE INDEX resellers_tenant_created ON resellers (tenant_id, created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  reseller_id uuid NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  description text,
  allowed_users integer NOT NULL CHECK (allowed_users >= -1),
  user_count integer NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  address_line1 text,
  address_line2 text,
  city text,
  state text,
  country text,
  postal_code text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, reseller_id) REFERENCES resellers (tenant_id, id)
);
CREATE INDEX organizations_reseller_created ON organizations (tenant_id, reseller_id, created_at, id)
  WHERE deleted_at IS NULL;

CREATE TABLE roles (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  description text,
  claims text[] NOT NULL DEFAULT '{}',
  is_builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);

CREATE TABLE groups (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  is_builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, name)
);

CREATE TABLE users (
  -- Keyed within the tenant: a client-chosen id (v1) that exists in another tenant must not collide,
  -- or the 409 would reveal that tenant's user.
  id uuid NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  reseller_id uuid NOT NULL,
  organization_id uuid,
  first_name text NOT NULL,
  last_name text NOT NULL DEFAULT '',
  email text NOT NULL,
  role text NOT NULL,
  company text,
  allow_customer_portal_access boolean NOT NULL DEFAULT false,
  password_hash text,
  two_factor_enabled boolean NOT NULL DEFAULT false,
  google_sso_enabled boolean NOT NULL DEFAULT false,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, reseller_id) REFERENCES resellers (tenant_id, id),
  FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
  -- A role is referenced by name (the v3 contract); a role in use cannot be renamed away from its users.
  CONSTRAINT users_role_fkey FOREIGN KEY (tenant_id, role) REFERENCES roles (tenant_id, name)
);
-- Email is unique per tenant, case-insensitively, among users not deleted.
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_created ON users (tenant_id, reseller_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX users_organization ON users (tenant_id, organization_id) WHERE deleted_at IS NULL;

CREATE TABLE user_groups (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  group_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, user_id, group_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id)
);
CREATE INDEX user_groups_group ON user_groups (group_id);

CREATE TABLE api_clients (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  client_id text NOT NULL UNIQUE,
  -- SHA-256 of a high-entropy secret (never a password): fast to check, useless to steal.
  secret_hash text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('csp', 'reseller')),
  reseller_id uuid,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revoked_at timestamptz,
  CHECK ((role = 'reseller') = (reseller_id IS NOT NULL)),
  FOREIGN KEY (tenant_id, reseller_id) REFERENCES resellers (tenant_id, id)
);
CREATE INDEX api_clients_tenant_created ON api_clients (tenant_id, created_at, id);

-- Append-only: written in the same transaction as the change it records.
CREATE TABLE audit_events (
  id uuid PRIMARY KEY,
  tenant_id uuid,
  occurred_at timestamptz NOT NULL,
  correlation_id text NOT NULL,
  action text NOT NULL,
  resource text NOT NULL,
  resource_id text NOT NULL,
  reseller_id uuid,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  changes jsonb NOT NULL DEFAULT '[]',
  ip_address text,
  user_agent text
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_tenant_correlation ON audit_events (tenant_id, correlation_id);
CREATE INDEX audit_events_tenant_resource ON audit_events (tenant_id, resource_id);
CREATE INDEX audit_events_tenant_reseller_time ON audit_events (tenant_id, reseller_id, occurred_at DESC, id DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Transactional outbox: one row per domain event, written with the change; the webhook
-- dispatcher turns rows into deliveries.
CREATE TABLE outbox_events (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  event text NOT NULL,
  reseller_id uuid,
  resource_id text NOT NULL,
  data jsonb NOT NULL,
  triggered_at timestamptz NOT NULL,
  processed_at timestamptz
);
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE processed_at IS NULL;
