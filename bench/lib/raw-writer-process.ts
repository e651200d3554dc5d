/** Bench 1's reference writer in its own process (`bench/raw-writer.ts`), driven over IPC. */
import { fork } from 'node:child_process'
import { join } from 'node:path'
import type { RawWriterConfig, RawWriterReply } from '../raw-writer.js'
import { now } from './common.js'

export interface RawWriter {
  /**
   * Has the child call `setSecret(name, value)`; resolves with when the call started (on this
   * process's `now()` clock, ms) and its round trip as the child measured it (ms).
   * @throws when the SDK call failed.
   */
  write: (name: string, value: string) => Promise<{ startAt: number, ms: number }>
  stop: () => Promise<void>
}

/** `process.hrtime.bigint()` (CLOCK_MONOTONIC, shared by processes on Linux) -> this process's `now()`. */
const hrToNow = (hr: bigint): number => now() - Number(process.hrtime.bigint() - hr) / 1e6

/** Starts the child and resolves once its client is warm (token, challenge, sockets). */
export async function startRawWriter (config: RawWriterConfig): Promise<RawWriter> {
  const child = fork(join(import.meta.dirname, '..', 'raw-writer.js'), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString('utf8')).slice(-4000) })
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pending = new Map<number, { resolve: (v: { startAt: number, ms: number }) => void, reject: (e: Error) => void }>()
  let nextId = 1
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: RawWriterReply) => {
      if ('ready' in m) { resolve(); return }
      const p = pending.get(m.id)
      if (p === undefined) return
      pending.delete(m.id)
      if ('error' in m) p.reject(new Error(`raw writer: ${m.error}`))
      else p.resolve({ startAt: hrToNow(BigInt(m.startHr)), ms: m.ms })
    })
    child.once('exit', (code) => { reject(new Error(`bench: raw writer exited with ${String(code)}: ${stderr}`)) })
  })
  return {
    write: async (name, value) => await new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      child.send({ id, name, value })
    }),
    stop: async () => { child.kill('SIGTERM'); await exit }
  }
}
