// The rows the dispatcher reads: an endpoint as it delivers to it, and a delivery it claimed.
import type { SignatureScheme } from './signing.ts'

export interface EndpointRow {
  id: string
  tenant_id: string
  reseller_id: string | null
  url: string
  /** Sealed: the worker opens it as it signs (secrets/envelope.ts). */
  secret: string
  signature_scheme: SignatureScheme
  enabled: boolean
  events: string[]
  status: 'healthy' | 'unhealthy' | 'suspended'
  consecutive_failures: number
  failing_since: Date | null
  deleted_at: Date | null
}

export const ENDPOINT_COLUMNS = `id, tenant_id, reseller_id, url, secret, signature_scheme, enabled, events, status,
  consecutive_failures, failing_since, deleted_at`

export interface DueRow {
  id: string
  event: string
  url: string
  request_body: string
  attempts: number
  order_key: string
}
