/**
 * A TCP relay to a test PostgreSQL that can stop forwarding, as a stalled server or a lost
 * network route would (connections stay open, no answer comes), or cut every connection and
 * refuse new ones, as a stopped server would. Closed at teardown.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import type { Test } from 'tap'

export interface StallingRelay {
  /** `url` with the relay's host and port. */
  url: string
  /** Holds every byte from now on, both ways. */
  stall: () => void
  /** Closes every connection and closes each new one at once, until `resume`. */
  cut: () => void
  /** Sends what was held, in order, and forwards again (and accepts connections after a `cut`). */
  resume: () => void
}

/** Starts a relay to the server of `url` (a `postgresql://` URL). */
export async function startStallingRelay (t: Test, url: string): Promise<StallingRelay> {
  const target = new URL(url)
  let stalled = false
  let cut = false
  const held: Array<() => void> = []
  const sockets = new Set<Socket>()
  const relay = createServer((inbound) => {
    if (cut) { inbound.destroy(); return }
    const outbound = connect(target.port === '' ? 5432 : Number(target.port), target.hostname)
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => { if (stalled) held.push(() => to.write(chunk)); else to.write(chunk) })
    }
    forward(inbound, outbound)
    forward(outbound, inbound)
    const close = (): void => { inbound.destroy(); outbound.destroy(); sockets.delete(inbound); sockets.delete(outbound) }
    for (const s of [inbound, outbound]) { sockets.add(s); s.on('error', close).on('close', close) }
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); relay.close() })
  const via = new URL(url)
  via.hostname = '127.0.0.1'
  via.port = String((relay.address() as AddressInfo).port)
  return {
    url: via.toString(),
    stall: () => { stalled = true },
    cut: () => { cut = true; for (const s of sockets) s.destroy() },
    resume: () => { stalled = false; cut = false; for (const send of held.splice(0)) send() }
  }
}
