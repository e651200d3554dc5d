// Pure retry rules of the worker (decisions D-13).
import t from 'tap'
import { backoffDelayMs } from '../../../src/worker/backoff.js'
import { failureStatus, retryDelayMs } from '../../../src/worker/settle-rules.js'
import { internalSyncError, localClientError, remoteClientError, transientError } from '../../../src/drivers/sync-error.js'

const backoff = { baseMs: 1000, maxMs: 300_000 }

t.test('backoff: exponential, capped, full jitter, Retry-After as a floor', async (t) => {
  t.equal(backoffDelayMs(1, backoff, undefined, () => 0.999999), 999)
  t.equal(backoffDelayMs(4, backoff, undefined, () => 0.5), 4000)
  t.equal(backoffDelayMs(30, backoff, undefined, () => 0.5), 150_000, 'capped at max')
  t.equal(backoffDelayMs(1, backoff, undefined, () => 0), 0)
  t.equal(backoffDelayMs(1, backoff, 2000, () => 0.5), 2000, 'Retry-After floor')
  t.equal(backoffDelayMs(9, backoff, 10, () => 0.5), 128_000, 'a small Retry-After does not shorten the backoff')
})

t.test('status after a failure', async (t) => {
  const now = 1_000_000
  t.equal(failureStatus(transientError('429'), { attempts: 0, firstFailureAt: null, now }), 'PENDING')
  t.equal(failureStatus(transientError('429'), { attempts: 3, firstFailureAt: now - 1000, now }), 'PENDING')
  t.equal(failureStatus(transientError('429'), { attempts: 4, firstFailureAt: now - 1000, now }), 'EXTERNAL_SERVICE_ERROR', 'fifth consecutive failure')
  t.equal(failureStatus(transientError('503'), { attempts: 1, firstFailureAt: now - 61_000, now }), 'EXTERNAL_SERVICE_ERROR', 'after 60 s')
  t.equal(failureStatus(remoteClientError('401'), { attempts: 0, firstFailureAt: null, now }), 'CLIENT_SIDE_ERROR')
  t.equal(failureStatus(localClientError('too large'), { attempts: 0, firstFailureAt: null, now }), 'CLIENT_SIDE_ERROR')
  t.equal(failureStatus(internalSyncError('bug'), { attempts: 0, firstFailureAt: null, now }), 'INTERNAL_VAULT_ERROR')
})

t.test('when to retry', async (t) => {
  const half = (): number => 0.5
  t.equal(retryDelayMs([localClientError('bad name')], 0, backoff, 600_000, half), undefined, 'permanent: wait for a change')
  t.equal(retryDelayMs([remoteClientError('403')], 0, backoff, 600_000, half), 600_000, 'remote client error: slow retry')
  t.equal(retryDelayMs([remoteClientError('403'), transientError('429', 3000)], 0, backoff, 600_000, half), 3000, 'the soonest need wins')
  t.equal(retryDelayMs([internalSyncError('x')], 2, backoff, 600_000, half), 2000)
})
