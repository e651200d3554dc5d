/**
 * Test client for the KV v2 routes: `inject()` with the root token, JSON-decoded answers, and
 * the field checks every KV answer shares (RFC 3339 UTC times, the envelope keys).
 */
import type { Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { vault } from '../../helper.js'

/** RFC 3339 UTC with optional fraction (Go RFC3339Nano, trailing zeros dropped). */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/

export interface Answer {
  status: number
  body: any
  text: string
  contentType: string | undefined
}

/** Calls `method url` on `app` with an optional JSON body and headers. */
export function kvClient (app: FastifyInstance) {
  return async (method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> => {
    const r = await vault(app, method, url, { body, headers })
    return {
      status: r.statusCode,
      body: r.body === '' ? undefined : JSON.parse(r.body),
      text: r.body,
      contentType: r.headers['content-type'] as string | undefined
    }
  }
}

/** Merge-patch content type for PATCH. */
export const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' }

/** Checks a version entry (`created_time`, `custom_metadata`, `deletion_time`, `destroyed`, `version`). */
export function checkVersionMetadata (t: Test, m: Record<string, unknown>, version: number, opts: { deleted?: boolean, destroyed?: boolean, custom?: unknown } = {}): void {
  t.same(Object.keys(m).sort(), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version'])
  t.match(m.created_time, RFC3339)
  t.equal(m.version, version)
  t.equal(m.destroyed, opts.destroyed ?? false)
  t.same(m.custom_metadata, opts.custom ?? null)
  if (opts.deleted === true) t.match(m.deletion_time, RFC3339)
  else t.equal(m.deletion_time, '')
}

/** Checks a raw 404: the envelope with `mount_type: ""` and no `errors` key. */
export function checkRaw404 (t: Test, a: Answer): void {
  t.equal(a.status, 404)
  t.equal(a.contentType, 'application/json')
  t.same(Object.keys(a.body), ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type'])
  t.equal(a.body.mount_type, '')
  t.notOk('errors' in a.body)
}
