// Baseline of scenario 4: ES256 signing alone, in a bare process, at the token load's concurrency. It signs
// with the service's own token code (createTokenService → jose SignJWT) and the claims a csp token carries,
// so the same bytes are signed; no database, no HTTP. Prints one JSON line (a Measured).
import { webcrypto } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import { fixedKeyStore } from '../../../src/auth/key-store.ts'
import { SCOPES } from '../../../src/auth/scopes.ts'
import { createTokenService } from '../../../src/auth/tokens.ts'
import { closedLoop } from '../measure.ts'
import { loopOptions } from './env.ts'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const kid = webcrypto.randomUUID()
const tokens = createTokenService(
  fixedKeyStore({
    kid,
    privateKey,
    publicJwks: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }],
    publicKeys: new Map([[kid, publicKey]]),
  }),
  'http://127.0.0.1:3000',
  3600,
)
const claims = {
  sub: webcrypto.randomUUID(),
  tid: webcrypto.randomUUID(),
  role: 'csp' as const,
  rid: null,
  scope: [...SCOPES],
}
const result = await closedLoop(loopOptions(), async () => {
  await tokens.issue(claims)
})
process.stdout.write(`${JSON.stringify(result)}\n`)
