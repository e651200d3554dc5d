/** Child processes of the harness: the bare Fastify reference server and the burst load generator. */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BareRoute } from '../bare-server.js'

export interface BareProcess {
  address: string
  pid: number
  stop: () => Promise<void>
}

export async function startBareServer (dir: string, label: string, routes: BareRoute[]): Promise<BareProcess> {
  const file = join(dir, `${label}.routes.json`)
  writeFileSync(file, JSON.stringify(routes))
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bare-server.js'), file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { address: string }).address)
    })
    child.once('exit', (code) => reject(new Error(`bench: bare server exited with ${String(code)}: ${stderr}`)))
  })
  return {
    address,
    pid: child.pid!,
    stop: async () => { child.kill('SIGTERM'); await exit }
  }
}

/** Captures a real response as a canned route. */
export async function captureRoute (address: string, method: BareRoute['method'], url: string, headers: Record<string, string>, body?: string): Promise<BareRoute> {
  const res = await fetch(`${address}${url}`, { method, headers, body })
  const bytes = Buffer.from(await res.arrayBuffer())
  return { method, url: url.replace(/\?.*$/, ''), status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body: bytes.toString('base64') }
}

/** Runs `burst-client.ts` (compiled) with `job` in a child process; resolves with its result. */
export async function runBurst (dir: string, label: string, job: import('../burst-client.js').BurstJob): Promise<import('../burst-client.js').BurstResult> {
  const file = join(dir, `${label}.job.json`)
  writeFileSync(file, JSON.stringify(job))
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'burst-client.js'), file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8') })
  child.stderr.on('data', (c: Buffer) => { err += c.toString('utf8') })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`bench: burst client exited with ${String(code)}: ${err}`)
  return JSON.parse(out.trim().split('\n').pop()!)
}
