/**
 * Serving Vault's `LIST` verb on Node.js.
 *
 * Node's HTTP parser (llhttp) rejects `LIST` (and any verb it does not know) with a raw 400
 * before Fastify runs, yet hvac and node-vault send real `LIST` requests. Sockets are served by
 * Node's own parser (no per-socket cost); only when the parser rejects a request line starting
 * `LIST ` (`clientError` HPE_INVALID_METHOD) is that connection detached from its parser, the
 * bytes from the request line on replayed, and the rest of the connection served through
 * `wrapSocket`: a Duplex that tracks HTTP/1.1 request framing and rewrites a request head
 * `LIST <target> HTTP/1.x` to `GET <target>?list=true` before the parser sees it; Vault treats
 * both forms the same (spec/vault-core-kv-api.md §1.2 and Appendix A). Bodies framed by
 * Content-Length pass through untouched; after a chunked body the rest of the connection is
 * passed through unchanged (no client of ours sends chunked bodies before a LIST).
 *
 * A verb the parser still rejects, and CONNECT, get Vault's `405 {"errors":[]}` (decisions
 * D-17.2). Malformed input (bare-LF heads, a TLS ClientHello) is answered 400 at once; a request
 * read too slowly gets 408 (`http-limits.ts`).
 */
import { Duplex } from 'node:stream'
import type { Server as HttpServer } from 'node:http'
import type { Socket } from 'node:net'

const LIST_HEAD = /^LIST (\S+) (HTTP\/1\.[01])(\r?\n)/
const MAX_HEAD_BYTES = 64 * 1024
/** A request line starts with a method token; anything else is handed to the parser at once (it answers 400). */
const TOKEN_START = /^[A-Za-z]/

/** The Duplexes made by `wrapSocket` (their parser never sees a LIST line it could reject). */
const wrappedSockets = new WeakSet<Duplex>()

/** End of the head (`\r\n\r\n`, or a head written with bare LFs), or -1; returns the index after it. */
function headEnd (buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n')
  const lf = buf.indexOf('\n\n')
  const mixed = buf.indexOf('\n\r\n')
  let end = -1
  if (crlf >= 0) end = crlf + 4
  if (lf >= 0 && (end < 0 || lf + 2 < end)) end = lf + 2
  if (mixed >= 0 && (end < 0 || mixed + 3 < end)) end = mixed + 3
  return end
}

/** Wraps `sock` in a Duplex that rewrites LIST request heads; the http server reads from it. */
export function wrapSocket (sock: Socket, first: Buffer = Buffer.alloc(0)): Duplex {
  let buf: Buffer = Buffer.alloc(0)
  let state: 'head' | 'body' | 'passthrough' = 'head'
  let remaining = 0
  const out = new Duplex({
    read () { sock.resume() },
    write (chunk, encoding, cb) { sock.write(chunk, encoding, cb) },
    final (cb) { sock.end(); cb() },
    destroy (err, cb) { sock.destroy(err ?? undefined); cb(err) }
  })
  const push = (b: Buffer): void => {
    if (b.length > 0 && !out.push(b)) sock.pause()
  }
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    for (;;) {
      if (state === 'passthrough') { push(buf); buf = Buffer.alloc(0); return }
      if (state === 'body') {
        const n = Math.min(remaining, buf.length)
        push(buf.subarray(0, n))
        buf = buf.subarray(n)
        remaining -= n
        if (remaining > 0) return
        state = 'head'
      }
      if (buf.length === 0) return
      // Empty lines between requests pass through; bytes that cannot start a request line
      // (a TLS ClientHello on the plain port, binary noise) go straight to the parser.
      if (buf[0] === 0x0d || buf[0] === 0x0a) {
        const n = buf.findIndex((b) => b !== 0x0d && b !== 0x0a)
        push(buf.subarray(0, n < 0 ? buf.length : n))
        buf = n < 0 ? Buffer.alloc(0) : buf.subarray(n)
        continue
      }
      if (!TOKEN_START.test(String.fromCharCode(buf[0]))) { state = 'passthrough'; continue }
      const end = headEnd(buf)
      if (end < 0) {
        // Not a complete head yet; a huge one is the parser's problem (431), not ours.
        if (buf.length > MAX_HEAD_BYTES) { state = 'passthrough'; continue }
        return
      }
      let head = buf.subarray(0, end).toString('latin1')
      buf = buf.subarray(end)
      const m = LIST_HEAD.exec(head)
      if (m !== null) {
        const target = m[1] + (m[1].includes('?') ? '&' : '?') + 'list=true'
        head = `GET ${target} ${m[2]}${m[3]}` + head.slice(m[0].length)
      }
      push(Buffer.from(head, 'latin1'))
      const cl = /\ncontent-length:[ \t]*(\d+)/i.exec(head)
      if (/\ntransfer-encoding:[^\r\n]*chunked/i.test(head)) state = 'passthrough'
      else if (cl !== null && Number(cl[1]) > 0) { state = 'body'; remaining = Number(cl[1]) }
    }
  }
  if (first.length > 0) onData(first)
  sock.on('data', onData)
  sock.on('end', () => out.push(null))
  sock.on('error', (e) => out.destroy(e))
  sock.on('close', () => out.destroy())
  // The http server reads these off its socket.
  const proxy = out as Duplex & Record<string, unknown>
  proxy.remoteAddress = sock.remoteAddress
  proxy.remotePort = sock.remotePort
  proxy.remoteFamily = sock.remoteFamily
  proxy.localAddress = sock.localAddress
  proxy.localPort = sock.localPort
  proxy.encrypted = (sock as Socket & { encrypted?: boolean }).encrypted
  proxy.setTimeout = (...a: Parameters<Socket['setTimeout']>) => { sock.setTimeout(...a); return out }
  proxy.setNoDelay = (...a: Parameters<Socket['setNoDelay']>) => { sock.setNoDelay(...a); return out }
  proxy.setKeepAlive = (...a: Parameters<Socket['setKeepAlive']>) => { sock.setKeepAlive(...a); return out }
  proxy.address = () => sock.address()
  sock.on('timeout', () => out.emit('timeout'))
  wrappedSockets.add(out)
  return out
}

const LIST_START = Buffer.from('LIST ', 'latin1')
/** Node's per-connection listeners (bound or plain), removed when a connection moves to `wrapSocket`. */
const NODE_SOCKET_LISTENERS = /^(bound )?(socketOnData|socketOnEnd|socketOnClose|socketOnDrain|socketOnError|socketOnTimeout|onSocketPause|onSocketResume)$/

/**
 * Where the rejected `LIST ` request line starts in `raw` (the parser's current chunk), given
 * the offset the parser stopped at; returns [start, missing] where `missing` bytes of `LIST `
 * arrived in an earlier chunk (already accepted by the parser as a prefix of LINK/LOCK), or
 * undefined when the rejected line is no LIST.
 */
function listStart (raw: Buffer, stoppedAt: number): [number, number] | undefined {
  for (let s = stoppedAt - LIST_START.length + 1; s <= stoppedAt; s++) {
    let ok = s + LIST_START.length <= raw.length
    for (let i = Math.max(0, -s); ok && i < LIST_START.length; i++) ok = raw[s + i] === LIST_START[i]
    if (ok) return [Math.max(0, s), Math.max(0, -s)]
  }
  return undefined
}

/**
 * Moves `sock` (whose parser just rejected a LIST request line) off Node's parser and serves the
 * rest of it, starting with `rest`, through `wrapSocket` and the server's connection listeners.
 * A response still being written for an earlier pipelined request finishes first.
 */
function switchToWrapper (sock: Socket, rest: Buffer, listeners: Array<(s: unknown) => void>, server: HttpServer): void {
  const pending = (sock as Socket & { _httpMessage?: NodeJS.EventEmitter | null })._httpMessage
  for (const ev of ['data', 'end', 'close', 'drain', 'error', 'timeout', 'pause', 'resume']) {
    for (const l of sock.listeners(ev) as Array<(...a: unknown[]) => void>) {
      if (NODE_SOCKET_LISTENERS.test(l.name)) sock.removeListener(ev, l)
    }
  }
  const parser = (sock as Socket & { parser?: { _consumed?: boolean, unconsume?: () => void } | null }).parser
  if (parser?._consumed === true) { parser.unconsume?.(); parser._consumed = false }
  sock.pause()
  const start = (): void => {
    const wrapped = wrapSocket(sock, rest)
    for (const l of listeners) l.call(server, wrapped)
    sock.resume()
  }
  if (pending !== undefined && pending !== null) pending.once('finish', start)
  else start()
}

/**
 * Serves the `LIST` verb on every connection of `server` (plain `connection`, or
 * `secureConnection` for an https server): a connection moves to `wrapSocket` only when Node's
 * parser rejects a LIST request line on it. Answers verbs the parser rejects with 405; the app
 * must not add another `clientError` answer (Fastify's `clientErrorHandler` is a no-op).
 * Returns the same server.
 */
export function installListVerb<S extends HttpServer> (server: S, event: 'connection' | 'secureConnection' = 'connection'): S {
  const listeners = () => server.listeners(event) as Array<(s: unknown) => void>
  const answer = (socket: Duplex, status: string, body: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
  }
  // CONNECT is parsed, then handed to `connect` listeners (the socket is dropped without one).
  server.on('connect', (_req: unknown, socket: Duplex) => { answer(socket, '405 Method Not Allowed', '{"errors":[]}') })
  server.on('clientError', (err: Error & { code?: string, rawPacket?: Buffer, bytesParsed?: number }, socket: Duplex) => {
    if (!socket.writable) { socket.destroy(); return }
    if (err.code === 'HPE_INVALID_METHOD' && err.rawPacket !== undefined && !wrappedSockets.has(socket)) {
      const at = listStart(err.rawPacket, err.bytesParsed ?? 0)
      if (at !== undefined) {
        const rest = Buffer.concat([LIST_START.subarray(0, at[1]), err.rawPacket.subarray(at[0])])
        switchToWrapper(socket as Socket, rest, listeners(), server)
        return
      }
    }
    // An unknown verb (a token then a space) is Vault's 405; bytes that are no request line, 400.
    const verb = err.rawPacket !== undefined && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /.test(err.rawPacket.subarray(0, 64).toString('latin1'))
    if (err.code === 'HPE_INVALID_METHOD' && verb) { answer(socket, '405 Method Not Allowed', '{"errors":[]}'); return }
    // headersTimeout / requestTimeout (`http-limits.ts`): the head or the body came too slowly.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') { answer(socket, '408 Request Timeout', '{"errors":["request timed out"]}'); return }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n')
      return
    }
    // Bytes that are no HTTP/1.1 request (bare-LF heads, a TLS ClientHello, noise), answered at once.
    answer(socket, '400 Bad Request', '{"errors":["malformed HTTP request"]}')
  })
  return server
}
