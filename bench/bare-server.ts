/**
 * The reference of bench 4 and 5: a bare Fastify server (same Fastify as the product, default
 * options, no logger, no hooks) whose routes return fixed bytes captured from vault-sync's own
 * responses. Run as a child process: `node dist/bench/bare-server.js <routes.json>`; prints
 * `{"address": "http://127.0.0.1:PORT"}` on stdout once it listens, stops on SIGTERM.
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'

/** One canned route. The query string is ignored (Fastify routes by path). */
export interface BareRoute {
  method: 'GET' | 'PUT' | 'POST'
  url: string
  status: number
  contentType: string
  /** The body, base64. */
  body: string
}

async function main (): Promise<void> {
  const routes = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BareRoute[]
  const app = Fastify()
  for (const r of routes) {
    const body = Buffer.from(r.body, 'base64')
    app.route({ method: r.method, url: r.url, handler: async (_request, reply) => await reply.code(r.status).header('content-type', r.contentType).send(body) })
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  process.stdout.write(JSON.stringify({ address: `http://127.0.0.1:${port}` }) + '\n')
  const stop = (): void => { app.close().then(() => process.exit(0), () => process.exit(1)) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err) => { process.stderr.write(`bare-server: ${String(err)}\n`); process.exit(1) })
