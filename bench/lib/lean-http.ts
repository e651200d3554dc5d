/**
 * A minimal HTTP/1.1 client for latency figures where the client's own work should be as small
 * as the server's answer allows (bench 5, session 12): one keep-alive socket, one request at a
 * time; an answer is read as its status line, headers and `content-length` bytes of body,
 * counted and dropped (not copied, decoded or parsed). At 1.5 MB an answer, undici's `request`
 * costs this process about 0.5 ms more per answer than this client (llhttp in WebAssembly copies
 * every body chunk in and out, and each chunk goes through a stream).
 *
 * Only what vault-sync and the bare reference send is understood: answers with `content-length`
 * (no chunked body, no `100 Continue`). Anything else rejects the call.
 */
import { connect, type Socket } from 'node:net'
import { now } from './common.js'

export interface LeanAnswer {
  status: number
  /** Body length in bytes. */
  bytes: number
  /**
   * ms from handing the request to the socket to the answer's first bytes arriving: the server's
   * own time for the call, without the transfer of a large body (bench 5's set, session 13).
   */
  firstByteMs: number
}

export interface LeanHttp {
  /** Sends `method path` with `headers` and `body` (UTF-8); resolves when the whole answer is read. */
  request: (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<LeanAnswer>
  close: () => void
}

const HEAD_END = Buffer.from('\r\n\r\n')

/** Opens the connection to `address` (`http://127.0.0.1:port`). */
export async function leanHttp (address: string): Promise<LeanHttp> {
  const url = new URL(address)
  const socket: Socket = connect(Number(url.port), url.hostname)
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })

  let waiting: { resolve: (a: LeanAnswer) => void, reject: (e: Error) => void } | undefined
  let head: Buffer | undefined // the part of a head read so far
  let status = 0
  let left = -1 // body bytes still to come; -1 while reading the head
  let bytes = 0
  let sentAt = 0 // now() when the request was written
  let firstByteMs = 0

  const fail = (err: Error): void => {
    const w = waiting
    waiting = undefined
    w?.reject(err)
  }
  const finish = (): void => {
    const w = waiting
    waiting = undefined
    left = -1
    w?.resolve({ status, bytes, firstByteMs })
  }
  socket.on('error', fail)
  socket.on('close', () => { fail(new Error('lean-http: connection closed')) })
  socket.on('data', (chunk: Buffer) => {
    if (waiting === undefined) { fail(new Error('lean-http: bytes with no request')); return }
    if (left < 0) {
      if (head === undefined) firstByteMs = now() - sentAt
      head = head === undefined ? chunk : Buffer.concat([head, chunk])
      const end = head.indexOf(HEAD_END)
      if (end < 0) return
      const text = head.subarray(0, end).toString('latin1')
      const rest = head.length - end - HEAD_END.length
      head = undefined
      status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? NaN)
      const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1]
      if (!Number.isInteger(status) || length === undefined) { fail(new Error(`lean-http: an answer without status or content-length: ${text.slice(0, 200)}`)); return }
      left = Number(length) - rest
      bytes = Number(length)
      if (left < 0) { fail(new Error('lean-http: more bytes than content-length')); return }
    } else {
      left -= chunk.length
      if (left < 0) { fail(new Error('lean-http: more bytes than content-length')); return }
    }
    if (left === 0) finish()
  })

  return {
    async request (method, path, headers, body) {
      if (waiting !== undefined) throw new Error('lean-http: one request at a time')
      const payload = body === undefined ? undefined : Buffer.from(body, 'utf8')
      const lines = [`${method} ${path} HTTP/1.1`, `host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
      if (payload !== undefined) lines.push(`content-length: ${payload.length}`)
      const answer = new Promise<LeanAnswer>((resolve, reject) => { waiting = { resolve, reject } })
      const headBytes = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')
      sentAt = now()
      socket.write(payload === undefined ? headBytes : Buffer.concat([headBytes, payload]))
      return await answer
    },
    close () { socket.destroy() }
  }
}
