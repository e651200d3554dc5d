/**
 * A minimal HTTP/1.1 client over one TCP connection, for what `inject()` and ordinary clients
 * cannot send: the `LIST` verb, unknown verbs, keep-alive chains.
 */
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Sends each raw request in turn on one connection, waiting for each response (framed by
 * Content-Length, or by the connection closing). Resolves all responses.
 */
export async function rawExchange (port: number, requests: string[], host = '127.0.0.1'): Promise<RawResponse[]> {
  return await rawConversation(port, requests.map((r) => ({ write: r, responses: [r] })), host)
}

/**
 * Writes `chunks` one by one on one connection, pausing between them so each arrives as its own
 * TCP segment (a request line split across reads, several requests pipelined in one write), then
 * reads one response per entry of `requests` (the requests sent, in order, to frame HEAD answers).
 */
export async function rawPipeline (port: number, chunks: string[], requests: string[], host = '127.0.0.1'): Promise<RawResponse[]> {
  const steps = chunks.map((c, i) => ({ write: c, responses: i === chunks.length - 1 ? requests : [] }))
  return await rawConversation(port, steps, host)
}

async function rawConversation (port: number, steps: Array<{ write: string, responses: string[] }>, host: string): Promise<RawResponse[]> {
  const sock = connect(port, host)
  sock.setNoDelay(true)
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  let buf = Buffer.alloc(0)
  let closed = false
  let wake: (() => void) | undefined
  sock.on('data', (c: Buffer) => { buf = Buffer.concat([buf, c]); wake?.() })
  sock.on('close', () => { closed = true; wake?.() })
  const waitMore = async (): Promise<void> => { await new Promise<void>((resolve) => { wake = resolve }) }
  const out: RawResponse[] = []
  try {
    for (const step of steps) {
      sock.write(step.write)
      if (step.responses.length === 0) await new Promise((resolve) => setTimeout(resolve, 30))
      for (const req of step.responses) {
        for (;;) {
          const end = buf.indexOf('\r\n\r\n')
          if (end >= 0) {
            const head = buf.subarray(0, end).toString('latin1').split('\r\n')
            const status = Number(head[0].split(' ')[1])
            const headers: Record<string, string> = {}
            for (const line of head.slice(1)) {
              const i = line.indexOf(':')
              headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
            }
            const noBody = status === 204 || status === 304 || req.startsWith('HEAD ')
            const len = noBody ? 0 : headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined
            const have = buf.length - end - 4
            if ((len !== undefined && have >= len) || (len === undefined && closed)) {
              const n = len ?? have
              out.push({ status, headers, body: buf.subarray(end + 4, end + 4 + n).toString('utf8') })
              buf = buf.subarray(end + 4 + n)
              break
            }
          }
          if (closed) throw new Error(`connection closed before a full response to: ${req.split('\r\n')[0]}`)
          await waitMore()
        }
      }
    }
  } finally {
    sock.destroy()
  }
  return out
}

/** Builds a raw request with Host and, for a body, Content-Length. */
export function rawRequest (method: string, path: string, headers: Record<string, string> = {}, body?: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1']
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`
}
