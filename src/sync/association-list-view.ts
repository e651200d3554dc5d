/**
 * The maintained view of each destination's associations (issue 16; spec/vault-sync-api.md
 * §3.9-3.11): per destination, the pre-serialised JSON of every association's
 * `associated_secrets` entries, in the order Vault's map has always had here (accessor, then
 * secret path, by byte order; sub-keys by byte order). `GET …/associations`, `set` and `remove`
 * answer by joining these fragments: no per-request work proportional to the destination's size
 * in the database, only a string join.
 *
 * Freshness: triggers (migration 7) bump the destination's `view_gen` on every change of what
 * the list shows, by anyone (the API, the worker's settle, another process on the same file)
 * and stamp the changed association with it. A read takes the generation and the rows stamped
 * after the copy's generation in one read transaction: one indexed read when nothing changed,
 * O(changes) otherwise (reads through the async `Store`, either engine). An association deletion (`view_reset`) or a remount of one of the
 * mounts shown rebuilds the destination's copy (two reads).
 *
 * Bytes: each entry is `JSON.stringify` of the entry object `associationEntries` builds, exactly
 * what the response schema's serializer wrote for the map (test/src/sync/association-list-view.test.ts).
 * Each association's fragment is encoded to UTF-8 once, when it changes; a chunk of `CHUNK` to
 * `2 * CHUNK` of them is joined into one buffer (a copy, no encoding) when one of its items
 * changed, so an answer of 10,000 associations goes out as some 80 pieces (session 12: 320
 * pieces and a re-encode of the changed chunk before; 320 pieces cost Node's HTTP stream some
 * 50 µs more than 20). Fragments come from Node's 8 KiB buffer pool, and a pool slab stays
 * allocated while any fragment in it lives: after many updates the fragments may hold a few
 * times the map's size (1.5 MB for 10,000 entries).
 */
import type { AssociationRow, TargetRow } from '../../db/associations-repo.js'
import type { AssociationsRepository, Store } from '../../db/store/repositories.js'
import { associationEntries, compareCodePoints } from './association-view.js'
import type { AssociationEntry } from './sync-types.js'

export interface AssociationListViewDeps {
  store: Pick<Store, 'transaction' | 'repos'>
  /** Current path (trailing `/`) of the mount `accessor`, undefined when it is not mounted (D-21). */
  mountPath: (accessor: string) => Promise<string | undefined>
}

type Reads = Pick<AssociationsRepository, 'viewGeneration' | 'changedSince' | 'ofDestination' | 'targetsOfDestination' | 'targets'>

/** The current mount path of every accessor of `rows` (each asked once). */
async function mountPathsOf (rows: readonly AssociationRow[], mountPath: (accessor: string) => Promise<string | undefined>): Promise<Map<string, string | undefined>> {
  const paths = new Map<string, string | undefined>()
  for (const a of rows) if (!paths.has(a.accessor)) paths.set(a.accessor, await mountPath(a.accessor))
  return paths
}

/** One association's part of the map. */
interface Item {
  accessor: string
  secretPath: string
  /** Its `associated_secrets` keys, in output order. */
  keys: string[]
  /** `"key":{…}` pairs joined by `,`, as UTF-8. */
  fragment: Buffer
  chunk: Chunk
}

/**
 * A run of consecutive items and, until one of them changes, their fragments joined: each
 * fragment preceded by `,` (the first chunk of an answer is sent without its leading comma).
 */
interface Chunk { items: Item[], bytes?: Buffer }

interface DestinationView {
  gen: number
  /** Items sorted by (accessor, secret path), code-point (= SQLite BINARY) order, in chunks. */
  chunks: Chunk[]
  byId: Map<string, Item>
  /** Mount path each shown accessor had when its fragments were written. */
  mounts: Map<string, string | undefined>
  /** How many associations produce each key; `dupes` counts keys produced more than once. */
  keyCount: Map<string, number>
  dupes: number
}

/** Items per chunk after a build; a chunk splits at twice that. */
const CHUNK = 128
const OPEN = Buffer.from('{')
const CLOSE = Buffer.from('}')
const COMMA = 0x2c
const q = JSON.stringify

/** The chunk's fragments, each after a `,`, in one buffer (bytes copied, not encoded). */
function joinChunk (items: readonly Item[]): Buffer {
  let length = 0
  for (const i of items) length += 1 + i.fragment.length
  const out = Buffer.allocUnsafe(length)
  let at = 0
  for (const i of items) {
    out[at++] = COMMA
    at += i.fragment.copy(out, at)
  }
  return out
}

/**
 * `"key":{…}` for one entry: `JSON.stringify` of the entry object as `associationEntries` builds
 * it, which is what the schema serializer writes for the map's values (their own key order).
 */
export function entryJson (key: string, e: AssociationEntry): string {
  return `${q(key)}:${q(e)}`
}

const order = (x: Pick<Item, 'accessor' | 'secretPath'>, y: Pick<Item, 'accessor' | 'secretPath'>): number =>
  compareCodePoints(x.accessor, y.accessor) || compareCodePoints(x.secretPath, y.secretPath)

/** Creates the per-destination view cache (one per process; any number of processes may share the file). */
export function createAssociationListView (deps: AssociationListViewDeps) {
  const { store, mountPath } = deps
  const views = new Map<string, DestinationView>()

  function itemOf (a: AssociationRow, targets: readonly TargetRow[], chunk: Chunk, paths: ReadonlyMap<string, string | undefined>): Item {
    const entries = associationEntries(a, targets, paths.get(a.accessor) ?? a.mount_path)
    const fragment = Buffer.from(entries.map(([k, e]) => entryJson(k, e)).join(','), 'utf8')
    return { accessor: a.accessor, secretPath: a.secret_path, keys: entries.map(([k]) => k), fragment, chunk }
  }

  function countKeys (view: DestinationView, item: Item, by: 1 | -1): void {
    for (const k of item.keys) {
      const n = (view.keyCount.get(k) ?? 0) + by
      if (by === 1 && n === 2) view.dupes++
      if (by === -1 && n === 1) view.dupes--
      if (n === 0) view.keyCount.delete(k)
      else view.keyCount.set(k, n)
    }
  }

  async function build (associations: Reads, destinationId: string, gen: number): Promise<DestinationView> {
    const targetsOf = new Map<string, TargetRow[]>()
    for (const t of await associations.targetsOfDestination(destinationId)) {
      const list = targetsOf.get(t.association_id)
      if (list === undefined) targetsOf.set(t.association_id, [t])
      else list.push(t)
    }
    const rows = await associations.ofDestination(destinationId)
    const view: DestinationView = { gen, chunks: [], byId: new Map(), mounts: await mountPathsOf(rows, mountPath), keyCount: new Map(), dupes: 0 }
    let chunk: Chunk = { items: [] }
    for (const a of rows) {
      if (chunk.items.length === CHUNK) chunk = { items: [] }
      if (chunk.items.length === 0) view.chunks.push(chunk)
      const item = itemOf(a, targetsOf.get(a.id) ?? [], chunk, view.mounts)
      chunk.items.push(item)
      view.byId.set(a.id, item)
      countKeys(view, item, 1)
    }
    return view
  }

  /** Puts `item` in its place (a new association: by binary search over the chunks). */
  function insert (view: DestinationView, item: Item): void {
    let lo = 0
    let hi = view.chunks.length
    while (lo < hi) { // the last chunk whose first item sorts before `item`
      const mid = (lo + hi) >>> 1
      if (order(view.chunks[mid].items[0], item) < 0) lo = mid + 1
      else hi = mid
    }
    if (view.chunks.length === 0) view.chunks.push({ items: [] })
    const chunk = view.chunks[Math.max(0, lo - 1)]
    chunk.items.splice(insertionPoint(chunk.items, item), 0, item)
    item.chunk = chunk
    chunk.bytes = undefined
    if (chunk.items.length >= 2 * CHUNK) {
      const rest: Chunk = { items: chunk.items.splice(CHUNK) }
      for (const i of rest.items) i.chunk = rest
      view.chunks.splice(view.chunks.indexOf(chunk) + 1, 0, rest)
    }
  }

  /**
   * Applies changed `rows` read at generation `gen`. Everything is read first and the copy is
   * changed without an await in between, so requests applying at once (PostgreSQL) never insert
   * an item twice; the generation is set to what this read saw, so a copy that an older read
   * overwrote last is brought up to date again by the next read.
   */
  async function apply (associations: Reads, view: DestinationView, rows: readonly AssociationRow[], gen: number): Promise<void> {
    const paths = await mountPathsOf(rows.filter((a) => !view.mounts.has(a.accessor)), mountPath)
    const targets: TargetRow[][] = []
    for (const a of rows) targets.push(await associations.targets(a.id))
    // Accessors new to the view get their current path; known ones keep the recorded one (a
    // moved mount rebuilds the view first).
    for (const [accessor, path] of paths) if (!view.mounts.has(accessor)) view.mounts.set(accessor, path)
    rows.forEach((a, i) => {
      const old = view.byId.get(a.id)
      if (old !== undefined) {
        countKeys(view, old, -1)
        const item = itemOf(a, targets[i], old.chunk, view.mounts)
        old.chunk.items[old.chunk.items.indexOf(old)] = item
        old.chunk.bytes = undefined
        view.byId.set(a.id, item)
        countKeys(view, item, 1)
      } else {
        const item = itemOf(a, targets[i], { items: [] }, view.mounts)
        insert(view, item)
        view.byId.set(a.id, item)
        countKeys(view, item, 1)
      }
    })
    view.gen = gen
  }

  const mountsMoved = async (view: DestinationView): Promise<boolean> => {
    for (const [accessor, path] of view.mounts) if (await mountPath(accessor) !== path) return true
    return false
  }

  /**
   * The destination's view brought up to date: when nothing changed (the usual case) after one
   * plain read of the generation, else in one unit of work (its reads consistent).
   */
  async function current (destinationId: string): Promise<DestinationView> {
    const known = views.get(destinationId)
    if (known !== undefined) {
      const g = await store.repos.associations.viewGeneration(destinationId)
      if (g !== undefined && g.view_gen === known.gen && g.view_reset <= known.gen && !await mountsMoved(known)) return known
    }
    return await store.transaction(async ({ associations }) => {
      const g = await associations.viewGeneration(destinationId)
      if (g === undefined) {
        views.delete(destinationId)
        return await build(associations, destinationId, 0)
      }
      let view = views.get(destinationId)
      if (view === undefined || g.view_reset > view.gen || g.view_gen < view.gen || await mountsMoved(view)) {
        view = await build(associations, destinationId, g.view_gen)
        views.set(destinationId, view)
      } else if (g.view_gen > view.gen) {
        await apply(associations, view, await associations.changedSince(destinationId, view.gen), g.view_gen)
      }
      return view
    })
  }

  return {
    /**
     * The JSON of `associated_secrets` (an object) for the destination `destinationId` as UTF-8
     * pieces to send in order: byte for byte what serializing the map through
     * `DestinationAssociationsSchema` gives. Only the chunks that changed are re-encoded.
     */
    async associatedSecretsJson (destinationId: string): Promise<Buffer[]> {
      const view = await current(destinationId)
      const out: Buffer[] = [OPEN]
      for (const chunk of view.chunks) {
        if (chunk.items.length === 0) continue
        chunk.bytes ??= joinChunk(chunk.items)
        out.push(out.length === 1 ? chunk.bytes.subarray(1) : chunk.bytes)
      }
      out.push(CLOSE)
      // Two associations can produce one key (`a` by sub-key `x`, and secret `a/x`): the map
      // keeps the key's first position and the last value, as JSON.parse does.
      return view.dupes === 0 ? out : [Buffer.from(reserialise(Buffer.concat(out).toString('utf8')), 'utf8')]
    },
    /** Forgets every copy (tests; a process that restored its database file). */
    clear (): void { views.clear() }
  }
}

function reserialise (json: string): string {
  const map = JSON.parse(json) as Record<string, AssociationEntry>
  return `{${Object.entries(map).map(([k, e]) => entryJson(k, e)).join(',')}}`
}

/** First index whose item sorts at or after `item`. */
function insertionPoint (items: readonly Item[], item: Pick<Item, 'accessor' | 'secretPath'>): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (order(items[mid], item) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

export type AssociationListView = ReturnType<typeof createAssociationListView>
