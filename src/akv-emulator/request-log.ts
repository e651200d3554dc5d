/**
 * The request log: one entry per Key Vault and Entra request, newest last, bounded (oldest
 * dropped). Entries never hold bodies, header values, tokens or secrets: only who called what,
 * the RBAC data action it needed (decisions D-25) and how it was answered.
 */

/** One logged request. Times are ISO strings of the emulator clock. */
export interface RequestLogEntry {
  /** Monotonic sequence number (1, 2, ...), for `?since=`. */
  seq: number
  time: string
  family: 'vault' | 'entra'
  /** Vault name (Key Vault requests) or undefined. */
  vault?: string
  method: string
  /** URL path without the query. */
  path: string
  /** Azure operation id, e.g. `SetSecret` (Key Vault requests that matched a route). */
  operation?: string
  /** RBAC data action the operation needs. */
  dataAction?: string
  /** Secret name from the URL, when there is one. */
  secretName?: string
  /** Client id of the caller (authenticated Key Vault calls; Entra token requests). */
  principal?: string
  tenantId?: string
  status: number
  /** What answered, when not the handler: `unauthorized` (challenge or bad token), `throttled`, `fault`, `reset`, `firewall`, `rbac`. */
  outcome?: string
  remoteAddress: string
  durationMs: number
}

/** A ring buffer of {@link RequestLogEntry}. */
export class RequestLog {
  private entries: RequestLogEntry[] = []
  private seq = 0
  private readonly listeners = new Set<(e: RequestLogEntry) => void>()

  constructor (private readonly limit: number = 10_000) {}

  /** Appends an entry (its `seq` is assigned here) and returns it. */
  add (e: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const entry = { seq: ++this.seq, ...e }
    this.entries.push(entry)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
    for (const listener of this.listeners) listener({ ...entry })
    return entry
  }

  /** Calls `listener` with every entry as it is added (in-process benchmarks); returns the unsubscribe. */
  subscribe (listener: (e: RequestLogEntry) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Entries with `seq > since`, optionally of one vault, at most `limit` of them (oldest first). */
  query (f: { since?: number, vault?: string, limit?: number } = {}): RequestLogEntry[] {
    const out = this.entries.filter((e) => (f.since === undefined || e.seq > f.since) &&
      (f.vault === undefined || e.vault?.toLowerCase() === f.vault.toLowerCase()))
    return (f.limit === undefined ? out : out.slice(0, f.limit)).map((e) => ({ ...e }))
  }

  /** The last assigned sequence number. */
  lastSeq (): number { return this.seq }

  /** Drops every entry (sequence numbers keep growing). */
  clear (): void { this.entries = [] }
}
