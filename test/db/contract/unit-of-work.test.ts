// The unit of work (`store.transaction`) on both engines: commit, rollback, isolation from
// callers outside it, and (SQLite) the refusal of a unit that awaits anything but its
// repositories (round2.md R2-3).
import t, { type Test } from 'tap'
import { setImmediate as nextCheckPhase, setTimeout as sleep } from 'node:timers/promises'
import { TransactionAwaitedError, type SyncRepositories } from '../../../db/store/repositories.js'
import { contract, contractEngines, mountRow, seed, type Engine } from './contract-engines.js'
import { currentUnit, outsideUnits } from '../../../db/store/unit-scope.js'

const engines = await contractEngines(t)

/** A store of `e` with one mount, its `runSync`, and `tell(name)`: a `committed` callback noting `name` (and its error) in `told`. */
async function groupRig (e: Engine, t: Test) {
  const store = await e.open(t)
  await store.repos.mounts.insert(mountRow())
  const told: string[] = []
  const tell = (name: string) => (err?: unknown) => { told.push(err === undefined ? name : `${name}: ${String(err)}`) }
  return { store, runSync: store.runSync!, told, tell }
}

contract(t, engines, 'a unit commits every write together and resolves its value', async (t, store) => {
  const value = await store.transaction(async (r) => {
    await r.mounts.insert(mountRow())
    await r.policies.upsert({ name: 'p', raw: '', rules: '[]' })
    t.ok(await r.mounts.byPath('secret/'), 'reads its own writes')
    return 42
  })
  t.equal(value, 42)
  t.ok(await store.repos.mounts.byPath('secret/'))
  t.ok(await store.repos.policies.get('p'))
})

contract(t, engines, 'a unit that rejects leaves nothing behind and passes the rejection on', async (t, store) => {
  await t.rejects(store.transaction(async (r) => {
    await r.mounts.insert(mountRow())
    await r.policies.upsert({ name: 'p', raw: '', rules: '[]' })
    throw new Error('refused by a rule')
  }), { message: 'refused by a rule' })
  t.equal(await store.repos.mounts.byPath('secret/'), undefined)
  t.equal(await store.repos.policies.get('p'), undefined)
  await t.rejects(store.transaction(async (r) => {
    await r.policies.upsert({ name: 'q', raw: '', rules: '[]' })
    await r.mounts.insert(mountRow())
    await r.mounts.insert(mountRow()) // a constraint error inside: the whole unit goes
  }))
  t.equal(await store.repos.policies.get('q'), undefined)
  t.equal(await store.transaction(async (r) => await r.policies.names()).then((n) => n.length), 0, 'the store still works')
})

contract(t, engines, 'a caller outside a unit never sees its uncommitted rows', async (t, store) => {
  await seed(store.repos)
  let wrote!: () => void
  const written = new Promise<void>((resolve) => { wrote = resolve })
  const outcome = store.transaction(async (r) => {
    await r.policies.upsert({ name: 'draft', raw: '', rules: '[]' })
    wrote()
    for (let i = 0; i < 5; i++) await r.policies.get('draft') // more statements while the reader runs
    throw new Error('rolled back')
  }).then(() => 'committed', (err: Error) => err.message) // handled at once: it may end before the read
  await written
  const seen = await store.repos.policies.get('draft')
  t.equal(await outcome, 'rolled back')
  t.equal(seen, undefined)
  t.equal(await store.repos.policies.get('draft'), undefined)
})

contract(t, engines, 'units run concurrently from many callers end consistent', async (t, store) => {
  await seed(store.repos, ['a'])
  await Promise.all(Array.from({ length: 30 }, async (_, i) => await store.transaction(async (r) => {
    const n = (await r.policies.names()).length
    await r.policies.upsert({ name: `p${i}`, raw: String(n), rules: '[]' })
    await r.outbox.markDirty('a', i)
  })))
  t.equal((await store.repos.policies.names()).length, 30)
  t.equal((await store.repos.outbox.byAssociation('a'))?.generation, 30)
})

contract(t, engines, 'units queued together stay atomic one by one: a rejected one leaves nothing, the others commit', async (t, store) => {
  const outcomes = await Promise.allSettled(Array.from({ length: 12 }, async (_, i) => await store.transaction(async (r) => {
    await r.policies.upsert({ name: `p${i}`, raw: '', rules: '[]' })
    if (i % 4 === 1) throw new Error(`refused ${i}`)
    if (i === 6) await r.mounts.insert(mountRow()).then(async () => await r.mounts.insert(mountRow())) // a constraint error
    return i
  })))
  t.strictSame(outcomes.map((o) => o.status === 'fulfilled' ? o.value : (o.reason as Error).message.startsWith('refused') ? (o.reason as Error).message : 'error'),
    [0, 'refused 1', 2, 3, 4, 'refused 5', 'error', 7, 8, 'refused 9', 10, 11])
  t.strictSame((await store.repos.policies.names()).sort(), ['p0', 'p10', 'p11', 'p2', 'p3', 'p4', 'p7', 'p8'])
  t.equal(await store.repos.mounts.byPath('secret/'), undefined, "the rejected unit's first insert went with it")
})

contract(t, engines, 'inside a unit, store.repos and a nested unit join it (a nested unit is a savepoint)', async (t, store) => {
  const captured = store.repos // a reference taken outside any unit
  const seen = await store.transaction(async (r) => {
    await r.policies.upsert({ name: 'outer', raw: '', rules: '[]' })
    const ownRow = await captured.policies.get('outer') // on the unit: sees its uncommitted row
    await store.transaction(async (inner) => { await inner.policies.upsert({ name: 'kept', raw: '', rules: '[]' }) })
    await t.rejects(store.transaction(async (inner) => {
      await inner.policies.upsert({ name: 'undone', raw: '', rules: '[]' })
      await captured.policies.upsert({ name: 'undone-too', raw: '', rules: '[]' })
      throw new Error('inner refused')
    }), { message: 'inner refused' }, 'the nested rejection is passed on')
    t.equal(await r.policies.get('undone'), undefined, 'a rejected nested unit rolled back its own writes')
    t.equal(await r.policies.get('undone-too'), undefined)
    return ownRow?.name
  })
  t.equal(seen, 'outer')
  t.strictSame((await store.repos.policies.names()).sort(), ['kept', 'outer'], 'the unit committed with its kept savepoint')
  await t.rejects(store.transaction(async (r) => {
    await r.policies.upsert({ name: 'later', raw: '', rules: '[]' })
    await store.transaction(async (inner) => { await inner.policies.upsert({ name: 'later-inner', raw: '', rules: '[]' }) })
    throw new Error('outer refused')
  }), { message: 'outer refused' })
  t.strictSame((await store.repos.policies.names()).sort(), ['kept', 'outer'], 'an outer rollback takes its savepoints with it')
})

for (const e of engines.filter((e) => e.name === 'sqlite')) {
  t.test('sqlite: a unit that never settles is rolled back and does not block the next', async (t) => {
    const store = await e.open(t)
    const stuck = store.transaction(async (r) => {
      await r.policies.upsert({ name: 'stuck', raw: '', rules: '[]' })
      await new Promise(() => {}) // awaits forever (e.g. a network call that hangs)
    })
    await t.rejects(stuck, TransactionAwaitedError)
    await store.transaction(async (r) => { await r.policies.upsert({ name: 'next', raw: '', rules: '[]' }) })
    t.strictSame(await store.repos.policies.names(), ['next'])
  })

  t.test('sqlite: a unit that awaits a timer is rolled back with TransactionAwaitedError', async (t) => {
    const store = await e.open(t)
    await t.rejects(store.transaction(async (r) => {
      await r.policies.upsert({ name: 'early', raw: '', rules: '[]' })
      await sleep(5) // what R2-3 forbids: the transaction would stay open across event-loop turns
      await r.policies.upsert({ name: 'late', raw: '', rules: '[]' })
    }), TransactionAwaitedError)
    t.strictSame(await store.repos.policies.names(), [], 'neither write stayed')
    await store.transaction(async (r) => { await r.policies.upsert({ name: 'after', raw: '', rules: '[]' }) })
    t.strictSame(await store.repos.policies.names(), ['after'], 'the next unit commits normally')
  })

  t.test('sqlite: a unit\'s repositories kept after it ended are refused, also while another unit is open', async (t) => {
    const store = await e.open(t)
    let kept!: Parameters<Parameters<typeof store.transaction>[0]>[0]
    await store.transaction(async (r) => { kept = r; await r.policies.upsert({ name: 'first', raw: '', rules: '[]' }) })
    await t.rejects(kept.policies.upsert({ name: 'after', raw: '', rules: '[]' }), TransactionAwaitedError, 'after the unit')
    let leaked: Promise<unknown> | undefined
    await t.rejects(store.transaction(async (r) => {
      await r.policies.upsert({ name: 'second', raw: '', rules: '[]' })
      // The first unit's repositories, called from outside any unit while this one is open.
      leaked = outsideUnits(() => kept.policies.upsert({ name: 'leaked', raw: '', rules: '[]' }))
      await leaked.catch(() => {})
      throw new Error('second refused')
    }), { message: 'second refused' })
    await t.rejects(leaked!, TransactionAwaitedError, 'not run in the other unit')
    t.strictSame(await store.repos.policies.names(), ['first'], 'neither write went anywhere')
  })

  t.test('sqlite: among units queued together, one that awaits a timer is rolled back alone', async (t) => {
    const store = await e.open(t)
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, async (_, i) => await store.transaction(async (r) => {
      await r.policies.upsert({ name: `p${i}`, raw: '', rules: '[]' })
      if (i === 2) {
        // Long enough that a loaded machine's scheduling gap never lets the timer fire before the
        // group's next check phase (5 ms did once, with two test runs sharing both cores).
        await sleep(50)
        await r.policies.upsert({ name: 'late', raw: '', rules: '[]' })
      }
      return i
    })))
    t.strictSame(outcomes.map((o) => o.status === 'fulfilled' ? o.value : (o.reason as Error).name), [0, 1, 'TransactionAwaitedError', 3, 4, 5])
    t.strictSame((await store.repos.policies.names()).sort(), ['p0', 'p1', 'p3', 'p4', 'p5'])
  })

  t.test('sqlite: runSync commits its work in one synchronous transaction, declines when busy or asked to, rolls back a throw', async (t) => {
    const store = await e.open(t)
    await store.repos.mounts.insert(mountRow())
    const runSync = store.runSync!
    t.equal(runSync((r) => { r.kv.upsertConfig({ accessor: 'kv_1', max_versions: 3, cas_required: 0, delete_version_after: 0 }); return 'done' }), 'done')
    t.equal((await store.repos.kv.config('kv_1'))?.max_versions, 3, 'committed')
    t.equal(runSync((r) => { r.kv.upsertConfig({ accessor: 'kv_1', max_versions: 5, cas_required: 0, delete_version_after: 0 }); return undefined }), undefined, 'declined')
    t.equal((await store.repos.kv.config('kv_1'))?.max_versions, 3, 'a declined run left nothing')
    t.throws(() => runSync((r) => { r.kv.upsertConfig({ accessor: 'kv_1', max_versions: 7, cas_required: 0, delete_version_after: 0 }); throw new Error('refused') }), { message: 'refused' })
    t.equal((await store.repos.kv.config('kv_1'))?.max_versions, 3, 'a throw rolled back')
    let ran = false
    const unit = store.transaction(async (r) => {
      await r.policies.upsert({ name: 'p', raw: '', rules: '[]' })
      t.equal(runSync(() => { ran = true; return 1 }), undefined, 'not inside a unit')
      t.equal(outsideUnits(() => runSync(() => { ran = true; return 1 })), undefined, 'not while a unit is open')
    })
    t.equal(runSync(() => { ran = true; return 1 }), undefined, 'not while a unit is queued')
    await unit
    t.equal(ran, false, 'the work never ran then')
    t.equal(runSync(() => 2), 2, 'runs again once idle')
  })

  t.test('sqlite: runSync with `committed` shares one COMMIT among the turn\'s works; anything else commits the group first', async (t) => {
    const { store, runSync, told, tell } = await groupRig(e, t)
    const config = (n: number) => (r: SyncRepositories) => { r.kv.upsertConfig({ accessor: 'kv_1', max_versions: n, cas_required: 0, delete_version_after: 0 }); return n }
    t.equal(runSync(config(1), tell('1')), 1)
    t.equal(runSync(config(2), tell('2')), 2, 'a second work joins the open group')
    t.equal(runSync((r) => { config(5)(r); return undefined }, tell('declined')), undefined, 'a member may decline')
    t.strictSame(told, [], 'nobody told before the COMMIT')
    t.throws(() => runSync((r) => { config(7)(r); throw new Error('refused') }, tell('thrown')), { message: 'refused' })
    t.strictSame(told, ['1', '2'], 'a member\'s throw commits the group before it is passed on')
    t.equal((await store.repos.kv.config('kv_1'))?.max_versions, 2, 'the declined and the thrown work rolled back their own writes only')
    t.equal(runSync(config(3), tell('3')), 3)
    const read = store.repos.kv.config('kv_1')
    t.strictSame(told, ['1', '2', '3'], 'an outside call commits the group before it runs')
    t.equal((await read)?.max_versions, 3)
    t.equal(runSync(config(4), tell('4')), 4)
    t.equal(runSync(config(6)), 6, 'a plain runSync commits the group, then its own work at once')
    t.strictSame(told, ['1', '2', '3', '4'])
    t.equal(runSync(config(8), tell('8')), 8)
    await nextCheckPhase()
    t.strictSame(told, ['1', '2', '3', '4', '8'], 'committed in the turn\'s check phase at the latest')
    t.equal((await store.repos.kv.config('kv_1'))?.max_versions, 8)
    t.equal(runSync(config(9), tell('9')), 9)
    await store.transaction(async (r) => { t.equal((await r.kv.config('kv_1'))?.max_versions, 9, 'a unit starts after the group committed') })
    t.strictSame(told.at(-1), '9')
  })

  t.test('sqlite: a `oneStatement` work joins the group without a savepoint; its failed statement is undone by SQLite alone', async (t) => {
    const { store, runSync, told, tell } = await groupRig(e, t)
    const meta = (current: number) => ({
      accessor: 'kv_1', path: 'k', current_version: current, oldest_version: 1, created_time: 1, updated_time: current, max_versions: 0,
      cas_required: 0, delete_version_after: 0, custom_metadata: null
    })
    const version = (n: number) => ({ version: n, created_time: n, deletion_time: null, destroyed: 0 })
    // The metadata upsert, the trim and the version insert of one data write, as one statement.
    const append = (current: number, n: number, trim?: { from: number, to: number }) => (r: SyncRepositories) => {
      r.kv.appendVersion(meta(current), trim, version(n), Buffer.from([n]))
      return n
    }
    t.equal(runSync(append(1, 1), tell('1'), true), 1)
    t.equal(runSync(append(2, 2), tell('2'), true), 2, 'a member joins the open group')
    t.equal(runSync(() => undefined, tell('declined'), true), undefined, 'a member may decline (it wrote nothing to undo)')
    // Version 2 exists: the insert fails after the trigger's metadata upsert and trim ran.
    t.throws(() => runSync(append(9, 2, { from: 1, to: 1 }), tell('duplicate'), true), /UNIQUE constraint failed/)
    t.strictSame(told, ['1', '2'], 'the failed member commits the group before its error is passed on')
    await nextCheckPhase()
    t.equal((await store.repos.kv.metadata('kv_1', 'k'))?.current_version, 2, 'the failed statement\'s metadata upsert was undone')
    t.strictSame((await store.repos.kv.versions('kv_1', 'k')).map((v) => v.version), [1, 2], 'and its trim, while the group\'s writes committed')
    t.equal(runSync(append(3, 3, { from: 1, to: 1 }), tell('3'), true), 3)
    await nextCheckPhase()
    t.strictSame((await store.repos.kv.versions('kv_1', 'k')).map((v) => v.version), [2, 3], 'a trim removes its range')
    t.strictSame(told, ['1', '2', '3'])
  })

  t.test('sqlite: a unit that awaits file I/O is rolled back too', async (t) => {
    const store = await e.open(t)
    const { readFile } = await import('node:fs/promises')
    await t.rejects(store.transaction(async (r) => {
      await r.policies.upsert({ name: 'x', raw: '', rules: '[]' })
      await readFile(import.meta.filename)
    }), TransactionAwaitedError)
    t.equal(await store.repos.policies.get('x'), undefined)
  })
}

contract(t, engines, 'outsideUnits: code run through it from inside a unit (e.g. a wake-up scheduling background work) sees no unit', async (t, store) => {
  const seen = await store.transaction(async () => ({ inside: currentUnit() !== undefined, outside: outsideUnits(() => currentUnit()) }))
  t.same(seen, { inside: true, outside: undefined })
})
