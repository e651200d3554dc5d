/**
 * A reply payload made of UTF-8 pieces sent in order without joining them (issue 16): a large
 * pre-serialised answer (a destination's association map, 1.5 MB for 10,000 entries) goes to the
 * socket as one corked `writev` of the cached pieces, where `Buffer.concat` would allocate and
 * fault in a fresh buffer of the whole size per request (about 1 ms for 1.5 MB).
 *
 * Fastify sends it as a stream (`reply.send(payload)`); the `onSend` hook of
 * `src/vault/http-plugin.ts` sets its `content-length` in the place Fastify gives a buffer's, so
 * the bytes on the wire (headers included) are those of `reply.send(Buffer.concat(pieces))`.
 * Hooks that read the payload's bytes use `payloadBytes`.
 */
import { Readable, type Writable } from 'node:stream'

/** Pieces to send in order; the pieces must not change afterwards. */
export class PiecesPayload extends Readable {
  readonly pieces: readonly Buffer[]
  /** Total length in bytes. */
  readonly byteLength: number
  #written = false

  /** `byteLength`: the pieces' total length when the caller has it already. */
  constructor (pieces: readonly Buffer[], byteLength = pieces.reduce((n, p) => n + p.length, 0)) {
    super()
    this.pieces = pieces
    this.byteLength = byteLength
  }

  /** A plain consumer reads every piece in order. */
  override _read (): void {
    if (!this.#written) for (const p of this.pieces) this.push(p)
    this.#written = true
    this.push(null)
  }

  /**
   * Writes every piece to `dest` corked (one `writev` of the pieces as they are), ends it unless
   * `end` is false, and ends this stream (its `end` event follows).
   */
  override pipe<T extends NodeJS.WritableStream> (dest: T, options?: { end?: boolean }): T {
    const out = dest as unknown as Writable
    out.cork()
    for (const p of this.pieces) out.write(p)
    if (options?.end !== false) out.end()
    out.uncork()
    this.#written = true
    this.resume()
    return dest
  }
}

/** The bytes of a reply payload as an `onSend` hook sees it (a string, a Buffer or pieces); undefined for other streams. */
export function payloadBytes (payload: unknown): Buffer | string | undefined {
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return payload
  if (payload instanceof PiecesPayload) return Buffer.concat(payload.pieces)
  return undefined
}
