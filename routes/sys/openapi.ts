/**
 * The API's own description (issue 7, decisions D-10, D-32.4): `GET sys/internal/specs/openapi`
 * (Vault's path, unauthenticated) answers the checked-in `openapi.yaml` as JSON, without the
 * envelope; `/ui/api-docs/` serves a browsable reference page of the same document
 * (`@fastify/swagger-ui`), unauthenticated and outside the document itself, with the same
 * security headers as the operator page (`@fastify/helmet`) and its own CSP (`API_DOCS_CSP`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import helmet from '@fastify/helmet'
import { pageSecurityHeaders, UI_CSP } from '../ui/index.js'
import { Type } from 'typebox'
import { loadOpenApiDocument, openApiYaml } from '../../src/openapi/document-file.js'
import { documented, rawBody } from '../../src/openapi/route-doc.js'

/** The path of the reference page. */
export const API_DOCS_PREFIX = '/ui/api-docs'

const free = Type.Record(Type.String(), Type.Unknown())

/** The document's top level (its content is described by the OpenAPI 3.1 specification). */
const OpenApiDocumentSchema = Type.Object({
  openapi: Type.String({ description: 'OpenAPI version, 3.1.x' }),
  info: free,
  servers: Type.Array(free),
  security: Type.Array(free),
  tags: Type.Array(free),
  paths: free,
  components: free
}, {
  examples: [{
    openapi: '3.1.0',
    info: { title: 'vault-sync API', version: '0.1.0', description: '…', license: { name: 'Mozilla Public License 2.0', identifier: 'MPL-2.0' } },
    servers: [{ url: '/v1' }],
    security: [{ vault_token: [] }],
    tags: [{ name: 'system' }],
    paths: { '/sys/health': {} },
    components: { schemas: {} }
  }]
})

/** Registers `sys/internal/specs/openapi`. */
export function openApiRoutes (app: FastifyInstance): void {
  app.get('/v1/sys/internal/specs/openapi', {
    config: { unauthenticated: true },
    schema: {
      openapi: documented({
        operationId: 'internal-generate-open-api-document',
        summary: 'This OpenAPI document, as JSON (no envelope)',
        responses: { 200: rawBody('The OpenAPI 3.1 document', OpenApiDocumentSchema) }
      })
    }
  }, async () => loadOpenApiDocument())
}

/**
 * The Content-Security-Policy of the reference page: the operator page's (`UI_CSP`: its own
 * scripts only, none inline, no eval, never framed) but with `style-src 'unsafe-inline'`, because
 * swagger-ui sets style attributes as it renders (a style cannot run code).
 */
export const API_DOCS_CSP: Record<string, string[]> = { ...UI_CSP, 'style-src': ["'self'", "'unsafe-inline'"] }

/**
 * Registers the reference page at `/ui/api-docs/` (a plugin: it loads `openapi.yaml` when the
 * page first asks for it, never at start-up). Its routes need no token (they are marked
 * `unauthenticated` as they register); every response carries helmet's headers with `API_DOCS_CSP` (no HSTS: `-dev` serves plain HTTP).
 */
export function apiDocsPage (app: FastifyInstance): void {
  app.register(async (child) => {
    const getRoutes: string[] = []
    child.addHook('onRoute', (route) => {
      route.config = { ...route.config, unauthenticated: true }
      if (route.method === 'GET') getRoutes.push(route.url)
    })
    await child.register(helmet, pageSecurityHeaders(API_DOCS_CSP))
    // Parsing openapi.yaml costs ~0.4 s of CPU: never at start-up (issue 16, benchmark 5), only
    // when the page first asks for the document. @fastify/swagger is registered (swagger-ui
    // depends on it by name) under a decorator nobody reads, and `swagger` reads the file lazily.
    // (`decorator` is a static-mode option its types leave out; hence the casts.)
    await child.register(swagger, { mode: 'static', decorator: 'swaggerUnused', specification: { document: {} } } as never)
    child.decorate('swagger', ((opts?: { yaml?: boolean }) => opts?.yaml === true ? openApiYaml() : loadOpenApiDocument()) as never)
    await child.register(swaggerUi, { routePrefix: API_DOCS_PREFIX })
    // HEAD (RFC 9110 §9.3.2: the GET's status and headers, no content): swagger-ui registers GET
    // routes only (its static files' HEAD routes miss the generated ones), and the server makes no
    // HEAD twins (`exposeHeadRoutes: false`: the Vault API declares its own HEAD routes), so each GET route
    // gets a HEAD twin that asks the same page for its GET and keeps the head.
    const head = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const res = await child.inject({ method: 'GET', url: req.url })
      for (const name of HEAD_HEADERS) if (res.headers[name] !== undefined) reply.header(name, res.headers[name])
      await reply.code(res.statusCode).send()
    }
    // (The page's own route is registered once for both `/ui/api-docs` and `/ui/api-docs/`.)
    for (const url of getRoutes) if (!url.endsWith('*')) for (const u of url === API_DOCS_PREFIX ? [url, `${url}/`] : [url]) child.head(u, head)
  })
}

/** The representation headers a HEAD answer repeats from its GET (helmet adds the security headers to both). */
const HEAD_HEADERS = ['content-type', 'content-length', 'location', 'cache-control', 'etag', 'last-modified'] as const
