// First-start set-up: the BOOTSTRAP_* tenant and client, or on a fresh embedded database the `localhost`
// tenant with a generated csp client whose credentials are saved under DATA_DIR.
import fs from 'node:fs'
import path from 'node:path'
import type { Pepper } from './auth/client-secrets.ts'
import type { Config } from './config.ts'
import type { Db } from './db/connection.ts'
import { systemActor } from './domain/actor.ts'
import { ensureClient, generateClientId, generateSecret } from './domain/clients.ts'
import { newId } from './domain/ids.ts'
import { countTenants, createTenant, findTenantByDomain } from './domain/tenants.ts'

export interface BootstrapResult {
  tenantDomain: string | null
  credentials: { clientId: string; clientSecret: string } | null
  /** Where generated credentials were saved, if they were. */
  savedTo: string | null
}

const CREDENTIALS_FILE = 'credentials.json'

async function ensureTenantAndClient(
  db: Db,
  domain: string,
  credentials: { clientId: string; clientSecret: string },
  pepper: Pepper,
): Promise<void> {
  await db.transaction(async (tx) => {
    const correlationId = newId()
    let tenant = await findTenantByDomain(tx, domain)
    if (!tenant) tenant = await createTenant(tx, systemActor(null, correlationId), { domain, name: domain })
    await ensureClient(tx, systemActor(tenant.id, correlationId), credentials, 'Bootstrap client', pepper)
  })
}

export async function bootstrap(db: Db, config: Config, pepper: Pepper): Promise<BootstrapResult> {
  if (config.bootstrap) {
    const { tenantDomain, clientId, clientSecret } = config.bootstrap
    await ensureTenantAndClient(db, tenantDomain, { clientId, clientSecret }, pepper)
    return { tenantDomain, credentials: null, savedTo: null }
  }
  if (config.database.kind === 'postgres') return { tenantDomain: null, credentials: null, savedTo: null }

  const file = config.database.kind === 'pglite-disk' ? path.join(config.dataDir, CREDENTIALS_FILE) : null
  if (file && fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      tenantDomain: string
      clientId: string
      clientSecret: string
    }
    return { tenantDomain: saved.tenantDomain, credentials: saved, savedTo: file }
  }
  if ((await countTenants(db)) > 0) return { tenantDomain: null, credentials: null, savedTo: null }

  const credentials = { clientId: generateClientId(), clientSecret: generateSecret() }
  await ensureTenantAndClient(db, 'localhost', credentials, pepper)
  if (file) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    fs.writeFileSync(file, `${JSON.stringify({ tenantDomain: 'localhost', ...credentials }, null, 2)}\n`, {
      mode: 0o600,
    })
  }
  return { tenantDomain: 'localhost', credentials, savedTo: file }
}
