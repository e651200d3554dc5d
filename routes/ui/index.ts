/**
 * The operator page at `/ui/` (issue 20): static files only, no build step. The page's own ES
 * modules and stylesheet come from the package's `ui/` folder; Preact, its hooks, htm and Pico
 * CSS come from their installed npm packages (never a CDN: the page works offline), all through
 * `@fastify/static`, except Preact's hooks module, whose bare `from "preact"` import is pointed
 * at the served Preact file (an import map would need an inline script).
 *
 * Everything here runs in one encapsulated context with `@fastify/helmet` and a strict CSP
 * (`UI_CSP`: `default-src 'self'`, no inline script, no eval), so the API reference page at
 * `/ui/api-docs/` (swagger-ui, which needs inline styles) keeps its own CSP (`routes/sys/openapi.ts`). The routes need no
 * token: the page is an API client that sends the operator's token to `/v1/...` itself.
 * Registered only when the page is on (`VAULT_SYNC_UI`, the config key `ui`, always in `-dev`).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import { packageRoot } from '../../src/openapi/document-file.js'

/** The page's path. */
export const UI_PREFIX = '/ui/'

/**
 * The Content-Security-Policy of every `/ui/` response (the API reference page excepted).
 * `img-src data:` is for Pico's inline SVG icons (chevrons, checkmarks) inside its stylesheet.
 */
export const UI_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"]
}

/**
 * `@fastify/helmet`'s options for a page under `/ui/` with CSP `directives`: no-referrer, never
 * framed; no HSTS and no upgrade of requests, since `-dev` serves the page over plain HTTP.
 */
export function pageSecurityHeaders (directives: Record<string, string[]>): FastifyHelmetOptions {
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' }
  }
}

const require = createRequire(import.meta.url)
/** A package's folder, found through Node's resolution from this module. */
const packageDir = (pkg: string): string => dirname(require.resolve(`${pkg}/package.json`))

/** Preact's hooks module with its bare import of `preact` pointed at the served file (`vendor/preact/preact.module.js`). */
function hooksModule (): string {
  const source = readFileSync(join(packageDir('preact'), 'hooks', 'dist', 'hooks.module.js'), 'utf8')
  const rewritten = source.replace(/from\s*(["'])preact\1/g, 'from"./preact/preact.module.js"')
  if (rewritten === source) throw new Error('preact/hooks: no import of "preact" found to rewrite (a new Preact layout?)')
  return rewritten
}

/** Registers the page (see the module doc). */
export function uiRoutes (app: FastifyInstance): void {
  app.get('/ui', { config: { unauthenticated: true } }, async (_request, reply) => reply.redirect(UI_PREFIX))
  app.register(async (page) => {
    page.addHook('onRoute', (route) => { route.config = { ...route.config, unauthenticated: true } })
    await page.register(helmet, pageSecurityHeaders(UI_CSP))
    const hooks = hooksModule()
    page.get(`${UI_PREFIX}vendor/hooks.js`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(hooks))
    const files = (root: string, prefix: string, allowed: string[]) => ({
      root,
      prefix,
      decorateReply: false,
      index: false as const,
      allowedPath: (path: string) => allowed.includes(path.replace(/^\//, ''))
    })
    await page.register(fastifyStatic, files(join(packageDir('preact'), 'dist'), `${UI_PREFIX}vendor/preact/`, ['preact.module.js']))
    await page.register(fastifyStatic, files(dirname(require.resolve('htm')), `${UI_PREFIX}vendor/htm/`, ['htm.module.js']))
    await page.register(fastifyStatic, files(join(packageDir('@picocss/pico'), 'css'), `${UI_PREFIX}vendor/pico/`, ['pico.min.css']))
    await page.register(fastifyStatic, { root: join(packageRoot(), 'ui'), prefix: UI_PREFIX, index: 'index.html', decorateReply: false })
  })
}
