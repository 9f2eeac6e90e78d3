// Baseline of scenario 1: argon2id hashing alone, with the service's own parameters (ARGON2_OPTIONS) and
// the same concurrency as the create load, in a bare process: the physical limit of creating a user with
// a password on this machine. Prints one JSON line (a Measured).
import { hash } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../../../src/auth/passwords.ts'
import { closedLoop } from '../measure.ts'
import { loopOptions } from './env.ts'

const result = await closedLoop(loopOptions(), async () => {
  await hash('correct horse battery', ARGON2_OPTIONS)
})
process.stdout.write(`${JSON.stringify(result)}\n`)
