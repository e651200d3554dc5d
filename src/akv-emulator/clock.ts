/**
 * Time for the emulator. Every time-dependent rule (token expiry, throttling windows, soft-delete
 * purge dates, being-deleted windows, `created`/`updated` attributes) reads one `EmulatorClock`,
 * so tests can freeze or shift time instead of sleeping (decisions D-12, D-29).
 */

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  now (): number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }

/**
 * The emulator's clock: a base clock plus a shift that only moves forward, like lowkey-vault's
 * "time shift" (spec/azure-keyvault-api.md §7.1). Shifting time past a token's `exp` expires it,
 * and past a deleted secret's `scheduledPurgeDate` purges it, as the real service would.
 */
export interface EmulatorClock extends Clock {
  /** Moves time forward by `ms` (>= 0); returns the new `now()`. */
  advance (ms: number): number
  /** The total shift applied so far, in ms. */
  offsetMs (): number
}

/** Wraps `base` (default: the wall clock) in an {@link EmulatorClock}. */
export function createEmulatorClock (base: Clock = systemClock): EmulatorClock {
  let offset = 0
  return {
    now: () => base.now() + offset,
    advance (ms: number): number {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance: ms must be a finite number >= 0')
      offset += ms
      return base.now() + offset
    },
    offsetMs: () => offset
  }
}

/**
 * A clock that stands still until told to move: `set(ms)` or `tick(ms)`. Pass it as the
 * `clock` option to make throttling windows and expiry fully deterministic.
 */
export interface ManualClock extends Clock {
  set (epochMs: number): void
  tick (ms: number): void
}

/** Creates a {@link ManualClock} starting at `startMs` (default: the current wall time). */
export function createManualClock (startMs: number = Date.now()): ManualClock {
  let t = startMs
  return {
    now: () => t,
    set (epochMs: number): void { t = epochMs },
    tick (ms: number): void { t += ms }
  }
}

/** Epoch milliseconds to Azure's attribute unit, integer unix seconds. */
export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000)
