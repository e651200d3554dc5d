// At-rest encryption and the seal-key check at start (decisions D-4).
import t from 'tap'
import { symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSealer, generateSealKey } from '../../../src/crypto/seal.js'
import { loadOrCreateSealKey } from '../../../src/crypto/seal-key-file.js'
import { openDatabase } from '../../../db/database.js'
import { createServices } from '../../../src/services.js'
import { tempDir } from '../../helper.js'

t.test('AES-256-GCM round trip, bound to its aad', async (t) => {
  const s = createSealer(generateSealKey())
  const blob = s.encrypt('hunter2', 'kv:a:b:1')
  t.notOk(blob.includes(Buffer.from('hunter2')), 'ciphertext does not contain the plaintext')
  t.equal(s.decryptString(blob, 'kv:a:b:1'), 'hunter2')
  t.throws(() => s.decrypt(blob, 'kv:a:b:2'), 'another row\'s aad fails')
  t.throws(() => createSealer(generateSealKey()).decrypt(blob, 'kv:a:b:1'), 'another key fails')
  t.throws(() => createSealer(Buffer.alloc(16)), RangeError)
  t.not(s.encrypt('x').toString('hex'), s.encrypt('x').toString('hex'), 'fresh nonce each time')
})

t.test('seal key file: created 0600, reloaded, rejected when malformed', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'sub', 'seal.key')
  const key = loadOrCreateSealKey(path)
  t.equal(key.length, 32)
  t.same(loadOrCreateSealKey(path), key)
  const bad = join(dir, 'bad.key')
  writeFileSync(bad, 'short\n')
  t.throws(() => loadOrCreateSealKey(bad), /VAULT_SYNC_SEAL_KEY_FILE: .* does not hold a base64 32-byte key/)
  // A key that cannot be made (here a dangling link where the file goes; a folder the service may
  // not write to does the same) is named, with what to do.
  const dangling = join(dir, 'link.key')
  symlinkSync(join(dir, 'nowhere', 'seal.key'), dangling)
  t.throws(() => loadOrCreateSealKey(dangling), { message: `VAULT_SYNC_SEAL_KEY_FILE: ${dangling} does not exist and cannot be created (EEXIST): create it once (32 random bytes, base64; "Running in production" in README.md shows how) or let the service write to its folder` })
})

t.test('a database refuses a wrong seal key, naming the setting', async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'v.db')
  const db = openDatabase(dbPath)
  await createServices({ db, sealKey: generateSealKey() })
  db.close()
  const again = openDatabase(dbPath)
  t.teardown(() => again.close())
  await t.rejects(createServices({ db: again, sealKey: generateSealKey() }), /VAULT_SYNC_SEAL_KEY_FILE: the seal key does not open this database/)
})
