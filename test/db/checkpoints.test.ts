// WAL checkpoints off the request path (issue 16): below SQLite's 1,000-page bound a commit
// only appends to the WAL and the server's timer copies it into the database file soon after;
// what is committed is there for other connections at once and after the last one closes.
import t, { type Test } from 'tap'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { openDatabase } from '../../db/database.js'

/** A new database file in a temporary folder (removed after `t`) with a `scratch (n, body)` table, and its insert. */
function scratchDatabase (t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'v.db')
  const db = openDatabase(file)
  db.exec('CREATE TABLE scratch (n INTEGER PRIMARY KEY, body BLOB)')
  return { file, db, insert: db.prepare('INSERT INTO scratch (n, body) VALUES (?, ?)') }
}

t.test('the timer checkpoints what commits left in the WAL, and nothing committed is lost', async (t) => {
  const { file, db, insert } = scratchDatabase(t)
  const before = statSync(file).size
  // 200 commits of a row larger than a page: about 400 WAL pages, under SQLite's own bound.
  for (let n = 0; n < 200; n++) insert.run(n, Buffer.alloc(5000, n % 251))
  t.equal(statSync(file).size, before, 'no commit wrote the database file: the rows are in the WAL')
  const other = new Database(file, { readonly: true })
  t.equal((other.prepare('SELECT count(*) AS c FROM scratch').get() as { c: number }).c, 200, 'another connection sees every commit')
  other.close()
  // The timer runs once a second; a loaded machine may delay it, so wait up to 30 s.
  for (let i = 0; i < 300 && statSync(file).size === before; i++) await sleep(100)
  t.ok(statSync(file).size > before + 200 * 4096, 'the timer copied the WAL into the database file')
  db.close()
  // The timer's checkpoints run on a second connection (db/checkpoint-thread.ts): it is closed
  // first, so the server's close is the last one and removes the WAL as SQLite does.
  t.notOk(existsSync(`${file}-wal`), 'no WAL left after the close')
  const reopened = new Database(file, { readonly: true })
  t.equal((reopened.prepare('SELECT count(*) AS c FROM scratch').get() as { c: number }).c, 200, 'all there after the last close')
  reopened.close()
})

// Issue 17 (ninth session): the first commit after a complete checkpoint starts the WAL over, and
// SQLite fsyncs the new WAL header in that commit, even with synchronous=NORMAL. At a few writes a
// second that was nearly every KV write, an fsync on the event loop (1-9 ms measured). The thread
// now starts the WAL over itself after its checkpoint, so the server's next commit only appends.
t.test('after the timer\'s checkpoint the thread starts the WAL over; the next commit only appends', async (t) => {
  const { file, db, insert } = scratchDatabase(t)
  insert.run(0, 'first')
  // The thread's restart is a commit by another connection: this connection's data_version moves.
  const version = db.prepare('PRAGMA data_version').pluck()
  const before = version.get()
  for (let i = 0; i < 300 && version.get() === before; i++) await sleep(100)
  t.not(version.get(), before, 'the checkpoint thread committed once the WAL was copied')
  insert.run(1, 'second') // one small row: one page, one WAL frame
  const probe = new Database(file)
  const [r] = probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number, log: number, checkpointed: number }>
  probe.close()
  t.equal(r.log, 2, 'the WAL holds the thread\'s frame, then this commit\'s: the commit did not start it over')
  // That commit is checkpointed and the WAL started over once more; then nothing changes, so the
  // timer asks for nothing and the thread writes nothing (it would restart its own frame each second).
  const after = version.get()
  for (let i = 0; i < 300 && version.get() === after; i++) await sleep(100)
  const idle = version.get()
  await sleep(2500)
  t.equal(version.get(), idle, 'no write at all while the server changed nothing')
  db.close()
})
