-- Webhook endpoints and their deliveries (the delivery log). Outbox rows become deliveries at fan-out.

CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  -- Bound to one reseller: it receives only that reseller's events, and a reseller token manages it.
  reseller_id uuid,
  name text NOT NULL,
  url text NOT NULL,
  -- The signing secret. HMAC needs it in clear, so it is stored as is and never leaves the service but once.
  secret text NOT NULL,
  signature_scheme text NOT NULL CHECK (signature_scheme IN ('cryptlex', 'standard-webhooks')),
  enabled boolean NOT NULL,
  events text[] NOT NULL,
  status text NOT NULL DEFAULT 'healthy' CHECK (status IN ('healthy', 'unhealthy', 'suspended')),
  consecutive_failures integer NOT NULL DEFAULT 0,
  -- Since when every attempt has failed (null while the last one succeeded): a long run suspends.
  failing_since timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  FOREIGN KEY (tenant_id, reseller_id) REFERENCES resellers (tenant_id, id)
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
  -- Also the Webhook-Id header: stable across every attempt of one delivery.
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  webhook_id uuid NOT NULL REFERENCES webhook_endpoints (id),
  reseller_id uuid,
  -- Order of delivery to one endpoint: the outbox event's time-ordered id.
  order_key uuid NOT NULL,
  event text NOT NULL,
  url text NOT NULL,
  -- The exact body sent, rendered once at fan-out so that every attempt sends the same bytes.
  request_body text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('pending', 'queued', 'succeeded', 'retrying', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_attempted_at timestamptz,
  response_status_code integer,
  response_body text,
  error_message text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- Due work of one endpoint, in order.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, order_key, id)
  WHERE status IN ('pending', 'retrying', 'queued');
-- The delivery log, newest first, per tenant and per endpoint.
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
