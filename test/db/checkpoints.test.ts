// WAL checkpoints off the request path (issue 16): a commit only appends to the WAL (SQLite's
// default would checkpoint inside the commit that crosses 1,000 pages), and what is committed
// but not yet checkpointed is there for every other connection and after the last one closes.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase } from '../../db/database.js'

t.test('commits leave checkpointing to the timer, and nothing committed is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'v.db')
  const db = openDatabase(file)
  db.exec('CREATE TABLE scratch (n INTEGER PRIMARY KEY, body BLOB)')
  const insert = db.prepare('INSERT INTO scratch (n, body) VALUES (?, ?)')
  // 1,500 commits of a row larger than a page: well past SQLite's default 1,000-page checkpoint.
  for (let n = 0; n < 1500; n++) insert.run(n, Buffer.alloc(5000, n % 251))
  const other = new Database(file)
  const frames = other.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as Array<{ log: number }>
  t.ok(frames[0].log > 2000, `the WAL still holds every commit's frames (${frames[0].log}): no commit checkpointed`)
  t.equal((other.prepare('SELECT count(*) AS c FROM scratch').get() as { c: number }).c, 1500, 'another connection sees every commit')
  other.close()
  db.close()
  const reopened = new Database(file, { readonly: true })
  t.equal((reopened.prepare('SELECT count(*) AS c FROM scratch').get() as { c: number }).c, 1500, 'all there after the last close')
  reopened.close()
})
