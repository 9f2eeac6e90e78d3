// Password hashing: argon2id with OWASP's parameters, a fresh salt each time, on threads of their own at a
// lower CPU priority than the event loop (Linux), so that a burst of creates does not hold up other requests.
import fs from 'node:fs'
import os from 'node:os'
import { verify } from '@node-rs/argon2'
import { describe, expect, it } from 'vitest'
import {
  ARGON2_OPTIONS,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  verifyPassword,
} from '../../src/auth/passwords.ts'

/** The nice value of each thread of this process but the main one (Linux: field 19 of /proc/…/stat). */
function threadNiceValues(): number[] {
  return fs
    .readdirSync('/proc/self/task')
    .filter((tid) => Number(tid) !== process.pid)
    .map((tid) => {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    })
}

describe('hashPassword', () => {
  it('answers an argon2id hash (m=19456, t=2, p=1) that verifies the password and no other', async () => {
    const hash = await hashPassword('correct horse battery')
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(await verify(hash, 'correct horse battery')).toBe(true)
    expect(await verify(hash, 'correct horse batterY')).toBe(false)
  })

  it('hashes many at once, each with its own salt, each for its own password', async () => {
    const passwords = Array.from(
      { length: 3 * os.availableParallelism() + 1 },
      (_, i) => `password number ${i}`,
    )
    const hashes = await Promise.all([...passwords, passwords[0] as string].map(hashPassword))
    expect(new Set(hashes).size).toBe(hashes.length)
    for (const [index, password] of passwords.entries())
      expect(await verify(hashes[index] as string, password)).toBe(true)
  })

  it.runIf(process.platform === 'linux')(
    'hashes on threads of nice 10, the event loop keeping its own',
    async () => {
      await Promise.all(Array.from({ length: os.availableParallelism() }, () => hashPassword('a password')))
      const hashing = threadNiceValues().filter((nice) => nice === 10).length
      expect(hashing).toBeGreaterThanOrEqual(1)
      expect(hashing).toBeLessThanOrEqual(os.availableParallelism())
      expect(os.getPriority()).toBe(0)
    },
  )
})

describe('verifyPassword', () => {
  it('tells the password a hash was made from from any other, and a hash it cannot read is no match', async () => {
    const hash = await hashPassword('correct horse battery')
    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
    expect(await verifyPassword('anything', 'not a hash')).toBe(false)
  })

  it('checks against a dummy hash made with the parameters of every hash, so that it costs what they do', async () => {
    const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS
    expect(
      DUMMY_PASSWORD_HASH.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`),
    ).toBe(true)
    expect(await verifyPassword('a guess', DUMMY_PASSWORD_HASH)).toBe(false)
  })
})
