/**
 * Drift sweeps in the worker process (issue 21): per destination whose driver can do drift
 * rounds (`SyncDriver.drift`) and whose mode is not `off`, one round every `interval`, counted
 * from the start of the last round (the first one an interval after start; the timer wakes when
 * the earliest destination is due), under the drift share of the vault's budget (the limiter's
 * background lane: sync traffic always wins). A round checks the targets that have evidence and
 * no queued sync work; its findings are stored per target (what the plan endpoint shows), a
 * benign rewrite's evidence is moved to the new version (no Azure call), and in `repair` mode each
 * drifted target's recorded digest is replaced by `REPAIR_DIGEST` and its association queued
 * through the one `enqueue()`: an ordinary job that re-renders from the current KV version and
 * passes every gate (sync disabled, rate limit, ownership-checked plan; a metadata drift whose
 * value KV still holds is the property update the plan shows, worker/drift-guard.ts).
 * Ownership-lost targets are never queued (and their ordinary writes are checked first, the
 * same guard); missing ones only with `repair_missing`. Findings whose evidence changed during the round (a
 * write settled meanwhile) are dropped, so a round never repairs what sync just wrote.
 *
 * Storage goes through the async `Store` (either engine): reads before the round, the Azure
 * round outside any unit of work, then its findings, repairs (`enqueue`) and summary in one unit.
 */
import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { Store } from '../../db/store/repositories.js'
import type { DriverRegistry } from '../drivers/registry.js'
import { networkRules } from '../sync/destination-options.js'
import type { DestinationService } from '../sync/destination-service.js'
import type { SyncOutbox } from '../sync/outbox.js'
import type { DriftTarget } from './check-round.js'
import type { DriftConfig } from './drift-config.js'
import { decideRepair, effectiveDriftSettings } from './drift-settings.js'
import type { DriftChange, DriftEvidence, StoredFinding } from './drift-types.js'
import { REPAIR_DIGEST, refreshedEvidence } from './evidence.js'
import { parseStoredOverride, type SweepSummary } from './drift-summary.js'
import type { DriftKey } from './value-digest.js'

export interface DriftRunnerDeps {
  /** Drift rows, targets, the outbox and live destinations through `store.repos`; the settle as one unit. */
  store: Store
  /** The sync outbox's `enqueue` (joins the settling unit). */
  outbox: Pick<SyncOutbox, 'enqueue'>
  destinationService: Pick<DestinationService, 'configOf'>
  registry: DriverRegistry
  /** Clock, epoch ms. */
  now: () => number
  key: DriftKey
  config: Readonly<DriftConfig>
  log: Logger
  /** Told each change kind of a newly drifted target (metrics `vaultsync_drift_detected_total{kind}`). */
  onDetected?: (kind: DriftChange) => void
  /** False while another replica runs the sweeps (issue 18: the `maintenance` lease); the timer then skips. Always when absent. */
  active?: () => boolean
}

/** The shortest wait between two looks of the timer, ms (an overdue destination, a timer that fires early: no busy loop). */
const MIN_WAIT_MS = 1_000

const targetId = (associationId: string, subKey: string): string => `${associationId}\u0000${subKey}`

/** True when `next` is news compared with the stored finding (another state or other changes). */
function isNews (previous: string | null, next: StoredFinding): boolean {
  if (next.state === 'in-sync') return false
  if (previous === null) return true
  const p = JSON.parse(previous) as StoredFinding
  return p.state !== next.state || p.changes.join() !== next.changes.join()
}

/** Creates the runner; `start()` arms its timer, `sweepNow()` runs rounds at once (operators' tooling, tests). */
export function createDriftRunner (deps: DriftRunnerDeps) {
  const { store } = deps
  const { associations, drift, outbox: queue } = store.repos
  const abort = new AbortController()
  // One signal is shared by every Key Vault call of a sweep (listing pages, reads in parallel).
  setMaxListeners(0, abort.signal)
  let timer: NodeJS.Timeout | undefined
  let startedAt = deps.now()
  let busy: Promise<unknown> = Promise.resolve()

  /**
   * What a sweep of `d` runs with: its driver (and its drift check), its drift row and effective settings; undefined
   * when `d` is never swept (no drift support, purging or deleted, mode off).
   */
  async function sweepable (d: DestinationRow) {
    const driver = deps.registry.get(d.type)
    if (driver?.drift === undefined || d.purge_state !== null || d.deleted_at !== null) return undefined
    const row = await drift.get(d.id)
    const settings = effectiveDriftSettings(deps.config, parseStoredOverride(row?.override))
    return settings.mode === 'off' ? undefined : { driver, check: driver.drift, row, settings }
  }

  /** One round over destination `d`; the summary stored, or undefined when it is not swept (off, no drift support). */
  async function sweep (d: DestinationRow): Promise<SweepSummary | undefined> {
    const s = await sweepable(d)
    if (s === undefined) return undefined
    const { driver, check, settings } = s
    const stored = deps.destinationService.configOf(d)
    const connection = driver.connect(stored, networkRules(stored.options))
    const rows = await associations.driftTargetsOfDestination(d.id)
    const evidenceAtStart = new Map(rows.map((r) => [targetId(r.association_id, r.sub_key), r.drift_evidence]))
    const queued = new Set<string>()
    for (const r of rows) if (await queue.has(r.association_id)) queued.add(r.association_id)
    const targets: DriftTarget[] = rows
      .filter((r) => r.drift_evidence !== null && !queued.has(r.association_id))
      .map((r) => ({ id: targetId(r.association_id, r.sub_key), name: r.external_name, evidence: JSON.parse(r.drift_evidence!) as DriftEvidence }))
    const at = deps.now()
    const summary: SweepSummary = { at, complete: false, list_calls: 0, reads: 0, targets: rows.length, checked: 0, skipped: rows.length - targets.length, deferred: 0, repairs_queued: 0, states: {}, error: null }
    try {
      const round = await check(connection, targets, {
        key: deps.key, repairMissing: settings.repairMissing, share: settings.budgetShare, maxCalls: deps.config.maxCallsPerSweep, pageSize: deps.config.pageSize, signal: abort.signal
      })
      Object.assign(summary, { complete: round.complete, list_calls: round.listCalls, reads: round.reads, deferred: round.deferred.length })
      await store.transaction(async (repos) => {
        // The destination first (PostgreSQL), as in every unit changing its association targets
        // (`lockForViewChange`): the repairs' enqueue changes statuses after the targets' rows here.
        await repos.destinations.lockForViewChange([d.id])
        const repair = new Set<string>()
        for (const r of await repos.associations.driftTargetsOfDestination(d.id)) {
          const id = targetId(r.association_id, r.sub_key)
          const f = round.findings.get(id)
          // A write settled meanwhile (new evidence) or sync work is queued: this finding is stale.
          if (f === undefined || r.drift_evidence !== evidenceAtStart.get(id) || await repos.outbox.has(r.association_id)) continue
          summary.checked++
          summary.states[f.state] = (summary.states[f.state] ?? 0) + 1
          const found: StoredFinding = { ...f, checkedAt: at }
          if (isNews(r.drift_finding, found)) for (const kind of f.changes) deps.onDetected?.(kind)
          const decision = decideRepair(settings, f)
          if (decision === 'record' && f.action.kind === 'refresh-evidence') {
            const e = refreshedEvidence(JSON.parse(r.drift_evidence!) as DriftEvidence, f.action)
            await repos.associations.setTargetEvidence(r.association_id, r.sub_key, JSON.stringify(e))
            await repos.associations.setTargetFinding(r.association_id, r.sub_key, JSON.stringify({ ...found, recorded: { version: e.version, updated: e.updated }, action: { kind: 'none' } }))
            continue
          }
          await repos.associations.setTargetFinding(r.association_id, r.sub_key, JSON.stringify(found))
          if (decision === 'enqueue') {
            await repos.associations.setTargetDigest(r.association_id, r.sub_key, REPAIR_DIGEST)
            repair.add(r.association_id)
          }
        }
        for (const a of repair) if (await deps.outbox.enqueue(a, deps.now(), { whenFull: 'skip' })) summary.repairs_queued++
        await repos.drift.setSweep(d.id, at, JSON.stringify(summary))
      })
    } catch (err) {
      if (abort.signal.aborted) return undefined
      summary.error = (err as Error).message
      deps.log.warn({ destination: `${d.type}/${d.name}`, err: summary.error }, 'drift sweep failed')
      await drift.setSweep(d.id, at, JSON.stringify(summary))
    }
    return summary
  }

  /** Rounds one after another (never two at once), over `pick` of the live destinations. */
  async function rounds (pick: (d: DestinationRow) => boolean | Promise<boolean>): Promise<Map<string, SweepSummary>> {
    const run = async (): Promise<Map<string, SweepSummary>> => {
      const out = new Map<string, SweepSummary>()
      for (const d of await store.repos.destinations.allLive()) {
        if (abort.signal.aborted) break
        if (!await pick(d)) continue
        const s = await sweep(d)
        if (s !== undefined) out.set(`${d.type}/${d.name}`, s)
      }
      return out
    }
    const next = busy.then(run, run)
    busy = next.catch(() => undefined)
    return await next
  }

  /** When `d` is next due (epoch ms): an interval after its last round began (or after start); undefined when it is never swept. */
  async function dueAt (d: DestinationRow): Promise<number | undefined> {
    const s = await sweepable(d)
    return s === undefined ? undefined : (s.row?.last_sweep_at ?? startedAt) + s.settings.intervalMs
  }

  /** True when `d`'s interval has passed since its last round (or since start). */
  async function due (d: DestinationRow): Promise<boolean> {
    const at = await dueAt(d)
    return at !== undefined && at <= deps.now()
  }

  /** The earliest time a live destination is due, or undefined when none is swept. */
  async function nextDueAt (): Promise<number | undefined> {
    let next: number | undefined
    for (const d of await store.repos.destinations.allLive()) {
      const at = await dueAt(d)
      if (at !== undefined && (next === undefined || at < next)) next = at
    }
    return next
  }

  let ticking: Promise<void> = Promise.resolve()

  const runner = {
    /**
     * Arms the timer: the due destinations are swept when the earliest of them is due (a sweep
     * begins an interval after the last one began), and at least every `tickMs` (default 30 s)
     * the destinations are looked at again (new ones, changed settings, another replica's sweeps).
     */
    start (tickMs = 30_000): void {
      startedAt = deps.now()
      const arm = (ms: number): void => {
        timer = setTimeout(() => { ticking = tick() }, ms)
        timer.unref()
      }
      const tick = async (): Promise<void> => {
        let wait = tickMs
        try {
          if (deps.active?.() !== false) {
            await runner.sweepDue()
            if (abort.signal.aborted) return
            const next = await nextDueAt()
            if (next !== undefined) wait = Math.min(tickMs, Math.max(MIN_WAIT_MS, next - deps.now()))
          }
        } catch (err) {
          deps.log.error({ err }, 'drift sweep failed')
        }
        if (!abort.signal.aborted) arm(wait)
      }
      arm(Math.min(tickMs, MIN_WAIT_MS))
    },
    /** Sweeps the destinations whose interval has passed (what the timer does); summaries by `type/name`. */
    async sweepDue (): Promise<Map<string, SweepSummary>> { return await rounds(due) },
    /** Sweeps every destination (or those `type/name` in `only`) now, due or not; summaries by `type/name`. */
    async sweepNow (only?: readonly string[]): Promise<Map<string, SweepSummary>> {
      return await rounds((d) => only === undefined || only.includes(`${d.type}/${d.name}`))
    },
    /** Stops the timer and aborts the round in flight (its findings are dropped). */
    async stop (): Promise<void> {
      if (timer !== undefined) clearTimeout(timer)
      abort.abort()
      await busy
      await ticking
    }
  }
  return runner
}

export type DriftRunner = ReturnType<typeof createDriftRunner>
