// npm run rotate-encryption-key: re-encrypts every secret of the database (signing keys, webhook secrets, the
// client-secret pepper) under the current key-encryption key, in batches, and reports the counts.
//
// A PostgreSQL server (or ENCRYPTION_KEY set): ENCRYPTION_KEY=<new> ENCRYPTION_KEY_PREVIOUS=<old>, the same
// as the running processes were restarted with. The embedded default (DATA_DIR, ENCRYPTION_KEY unset), with
// the service stopped: a new key file is made, the old one kept as encryption.key.previous until every value
// is under the new key, then removed. A run stopped half-way is simply run again.

import { openDatabase } from '../src/db/connection.ts'
import { migrate } from '../src/db/migrate.ts'
import { loadConfigOrExit, runProcess } from '../src/lifecycle.ts'
import {
  beginKeyFileRotation,
  finishKeyFileRotation,
  type Keyring,
  openKeyring,
} from '../src/secrets/keyring.ts'
import { countByKid, reencryptAll } from '../src/secrets/stored.ts'

async function main(): Promise<void> {
  const config = loadConfigOrExit()
  if (config.database.kind === 'pglite-memory')
    throw new Error('An in-memory database keeps nothing to rotate: set DATABASE_URL or DATA_DIR.')
  const isKeyFile = config.database.kind === 'pglite-disk' && config.encryption.key === null
  let keyring: Keyring
  if (isKeyFile) {
    const begun = beginKeyFileRotation(config.dataDir)
    keyring = begun.keyring
    if (begun.isResumed) process.stdout.write('Resuming a key file rotation that did not finish.\n')
  } else {
    keyring = openKeyring(config)
  }
  process.stdout.write(
    `Re-encrypting under key ${keyring.current.kid} (opening with ${[...keyring.byKid.keys()].join(', ')})\n`,
  )
  const db = await openDatabase(config.database, 2)
  try {
    await migrate(db)
    await reencryptAll(db, keyring, {
      onColumn: (column, counts) =>
        process.stdout.write(
          `  ${column.table}.${column.column}: ${counts.reencrypted} re-encrypted, ${counts.current} already current, ${counts.sealed} sealed from clear, ${counts.skipped} changed meanwhile\n`,
        ),
    })
    const left = Object.entries(await countByKid(db)).flatMap(([column, kids]) =>
      Object.entries(kids)
        .filter(([kid]) => kid !== keyring.current.kid)
        .map(([kid, n]) => `${column}: ${n} under ${kid}`),
    )
    if (left.length > 0)
      throw new Error(`Values not under the new key remain (run again): ${left.join('; ')}`)
  } finally {
    await db.close()
  }
  if (isKeyFile) finishKeyFileRotation(config.dataDir)
  process.stdout.write(
    isKeyFile
      ? `Done: ${config.dataDir}/encryption.key is the new key; the old one is removed.\n`
      : 'Done: every secret is under ENCRYPTION_KEY. Restart the processes without ENCRYPTION_KEY_PREVIOUS.\n',
  )
}

runProcess(main)
