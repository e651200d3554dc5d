// Unit tests of the emulator's pure parts: fault matching and seeded replay, the sliding window,
// skip tokens, validation, settings patches, the store's transitions on a manual clock, principals.
import t from 'tap'
import { createManualClock } from '../../src/akv-emulator/clock.js'
import { EmulatorHttpError } from '../../src/akv-emulator/errors.js'
import { FaultRegistry } from '../../src/akv-emulator/faults.js'
import { encodeSkipToken, readCursor } from '../../src/akv-emulator/paging.js'
import { PrincipalRegistry } from '../../src/akv-emulator/principals.js'
import { SecretStore, type StoreSettings } from '../../src/akv-emulator/secret-store.js'
import { applySettingsPatch, defaultSettings } from '../../src/akv-emulator/settings.js'
import { DEFAULT_THROTTLE, SlidingWindowLimiter } from '../../src/akv-emulator/throttle.js'
import { parseMaxResults, parseSetInput } from '../../src/akv-emulator/validation.js'

const errorOf = (fn: () => unknown): { status: number, code: unknown, inner: unknown } => {
  try { fn() } catch (e) {
    if (e instanceof EmulatorHttpError) {
      const err = e.body.error as { code?: string, innererror?: { code?: string } }
      return { status: e.status, code: err.code, inner: err.innererror?.code }
    }
    throw e
  }
  throw new Error('no error')
}

t.test('faults: order, counting, families, seeded replay', async (t) => {
  const f = new FaultRegistry()
  const vaultGet = { family: 'vault' as const, method: 'GET', path: '/secrets/a', vault: 'v1', principal: 'app' }
  f.add({ match: { method: 'PUT' }, action: { status: 500 } })
  const two = f.add({ match: { vault: 'V1', principal: 'APP' }, action: { status: 503 }, mode: { next: 2 } })
  t.equal(f.take(vaultGet)?.status, 503)
  t.equal(f.take(vaultGet)?.status, 503)
  t.equal(f.take(vaultGet), undefined, 'next: 2 fires twice')
  t.notOk(f.list().some((r) => r.id === two.id))
  t.equal(f.take({ ...vaultGet, method: 'PUT' })?.status, 500, 'default mode is next: 1')
  t.equal(f.take({ ...vaultGet, method: 'PUT' }), undefined)

  f.add({ action: { status: 500 }, mode: { untilCleared: true } })
  t.equal(f.take({ family: 'entra', method: 'POST', path: '/t/oauth2/v2.0/token' }), undefined, 'rules without pathRegex never hit Entra')
  f.add({ match: { pathRegex: 'token$' }, action: { status: 400 }, mode: { untilCleared: true } })
  t.equal(f.take({ family: 'entra', method: 'POST', path: '/t/oauth2/v2.0/token' })?.status, 400)
  f.clear()

  const draw = (seed: number): boolean[] => {
    const r = new FaultRegistry()
    r.add({ action: { status: 503 }, mode: { probability: 0.3, seed } })
    return Array.from({ length: 200 }, () => r.take(vaultGet) !== undefined)
  }
  t.same(draw(42), draw(42), 'the same seed replays the same failures')
  const hits = draw(42).filter(Boolean).length
  t.ok(hits > 30 && hits < 90, `about 30 % fire (${hits}/200)`)
  const auto = new FaultRegistry().add({ action: { status: 503 }, mode: { probability: 0.5 } })
  t.ok('seed' in auto.mode && Number.isInteger(auto.mode.seed), 'a random seed is recorded for replay')
  t.throws(() => f.add({ action: { status: 200 } }), RangeError)
  t.throws(() => f.add({ action: {} }), TypeError)
  t.throws(() => f.add({ action: { status: 500 }, mode: { next: 0 } }), RangeError)
})

t.test('sliding window limiter', async (t) => {
  const l = new SlidingWindowLimiter()
  const s = { ...DEFAULT_THROTTLE, writeLimit: 3, windowMs: 1000 }
  t.ok([0, 100, 200].every((at) => l.tryAdmit('write', at, s).admitted))
  t.same(l.tryAdmit('write', 999, s), { admitted: false, retryAfterMs: 1 })
  t.ok(l.tryAdmit('other', 999, s).admitted, 'buckets are separate')
  t.ok(l.tryAdmit('write', 1000, s).admitted, 'the entry from t=0 left the window')
  t.same(l.tryAdmit('write', 1050, s), { admitted: false, retryAfterMs: 50 })
  t.ok(l.tryAdmit('write', 0, { ...s, enabled: false }).admitted)
})

t.test('skip tokens, maxresults, set input', async (t) => {
  t.same(readCursor({ $skiptoken: encodeSkipToken({ k: 'abc' }) }), { k: 'abc', o: undefined })
  t.same(readCursor({ $skiptoken: [encodeSkipToken({ o: 5 }), 'x'] }), { k: undefined, o: 5 }, 'repeated keys: the first wins')
  t.equal(errorOf(() => readCursor({ $skiptoken: encodeSkipToken({ o: -1 } as never) })).status, 400)
  t.equal(parseMaxResults({}), 25)
  t.equal(parseMaxResults({ maxresults: '7' }), 7)
  t.equal(errorOf(() => parseMaxResults({ maxresults: '2.5' })).code, 'BadParameter')
  t.same(parseSetInput('{"value":"","attributes":{"nbf":null}}'), { value: '', contentType: undefined, tags: undefined, attributes: { nbf: null } })
  t.match(errorOf(() => parseSetInput('{"value":"' + 'x'.repeat(25601) + '"}')), { status: 400, inner: 'SecretTooLarge' })
})

t.test('settings patches are validated and never mutate the current settings', async (t) => {
  const base = defaultSettings()
  const { settings } = applySettingsPatch(base, { throttle: { writeLimit: 5 }, policy: { firewall: { enabled: true, allow: ['10.0.0.0/8', '::1'] } } })
  t.equal(settings.throttle.writeLimit, 5)
  t.equal(settings.throttle.otherLimit, 4000)
  t.equal(base.throttle.writeLimit, 300)
  t.throws(() => applySettingsPatch(base, { recoverableDays: 91 }), RangeError)
  t.throws(() => applySettingsPatch(base, { throttle: { retryAfter: 'sometimes' as never } }), RangeError)
  t.throws(() => applySettingsPatch(base, { policy: { firewall: { allow: ['10.0.0.0/33'] } } }), RangeError)
  t.throws(() => applySettingsPatch(base, { policy: { rbacDenies: [{ principal: 5 } as never] } }), TypeError)
})

t.test('store: transitions on a manual clock, case-insensitive names, lazy purge', async (t) => {
  const clock = createManualClock(1_700_000_000_000)
  const settings: StoreSettings = { recoverableDays: 7, purgeProtection: false, beingDeletedMs: 1000, beingRecoveredMs: 500 }
  const store = new SecretStore(clock, () => settings)
  store.set('MyName', { value: 'a', attributes: {} })
  t.equal(store.get('myname').secret.name, 'MyName')
  store.delete('MYNAME')
  t.match(errorOf(() => store.getDeleted('myname')), { status: 404 }, 'invisible while being deleted')
  t.match(errorOf(() => store.set('myname', { value: 'b', attributes: {} })), { status: 409, inner: 'ObjectIsBeingDeleted' })
  t.match(errorOf(() => store.recover('myname')), { status: 409, inner: 'ObjectIsBeingDeleted' })
  clock.tick(1000)
  t.equal(store.getDeleted('myname').name, 'MyName')
  t.match(errorOf(() => store.set('myname', { value: 'b', attributes: {} })), { status: 409, inner: 'ObjectIsDeletedButRecoverable' })
  store.recover('myname')
  t.match(errorOf(() => store.get('myname')), { status: 404, code: 'SecretNotFound' }, 'invisible while being recovered')
  t.match(errorOf(() => store.set('myname', { value: 'b', attributes: {} })), { status: 409, inner: 'ObjectIsBeingRecovered' })
  clock.tick(500)
  t.equal(store.get('myname').version.value, 'a')
  store.delete('myname')
  clock.tick(7 * 86400_000)
  t.match(errorOf(() => store.getDeleted('myname')), { status: 404 }, 'purged when scheduledPurgeDate passes')
  t.equal(store.counts().deleted, 0)
})

t.test('principals: generations and tenants', async (t) => {
  const changes: number[] = []
  const reg = new PrincipalRegistry('home', () => changes.push(1))
  const p = reg.add({ clientId: 'App' })
  t.equal(p.tenantId, 'home')
  t.equal(p.generation, 1)
  t.equal(reg.add({ clientId: 'app' }).generation, 1, 're-adding with the same secret keeps tokens valid')
  t.equal(reg.rotateSecret('APP')!.generation, 2)
  t.equal(reg.setEnabled('app', false)!.generation, 3)
  reg.add({ clientId: 'b', tenantId: 'other' })
  t.ok(reg.hasTenant('OTHER') && reg.hasTenant('home') && !reg.hasTenant('nope'))
  t.ok(changes.length >= 4)
})
