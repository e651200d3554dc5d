/**
 * Request validation with Key Vault's limits and error texts (spec/azure-keyvault-api.md §3, §2.2):
 * names `^[0-9a-zA-Z-]{1,127}$`, values up to 25,600 characters (JS string length; `""` allowed),
 * contentType up to 255, at most 15 tags with keys and values up to 512 characters (the newer,
 * larger documented bound), `maxresults` 1..25. Every failure throws an `EmulatorHttpError` 400.
 */
import { AzureErrors } from './errors.js'

export const LIMITS = {
  nameMax: 127,
  valueMax: 25600,
  contentTypeMax: 255,
  tagsMax: 15,
  tagKeyMax: 512,
  tagValueMax: 512,
  pageMax: 25
} as const

const NAME_RE = /^[0-9a-zA-Z-]{1,127}$/
const VERSION_RE = /^[0-9a-zA-Z]{1,64}$/

/** Throws 400 `BadParameter` "The request URI contains an invalid name" unless `name` is valid. */
export function checkSecretName (name: string): string {
  if (!NAME_RE.test(name)) throw AzureErrors.invalidName(name)
  return name
}

/** Whether `v` can be a version id; anything else is simply not found. */
export const isVersionLike = (v: string): boolean => VERSION_RE.test(v)

/** Writable attributes of `SecretSetParameters` / `SecretUpdateParameters`; `null` clears nbf/exp. */
export interface AttributesInput {
  enabled?: boolean
  nbf?: number | null
  exp?: number | null
}

/** A validated `SecretSetParameters` body. */
export interface SetInput {
  value: string
  contentType?: string
  tags?: Record<string, string>
  attributes: AttributesInput
}

/** A validated `SecretUpdateParameters` body; absent fields are left unchanged. */
export interface UpdateInput {
  contentType?: string
  tags?: Record<string, string>
  attributes: AttributesInput
}

/** Parses a JSON request body (a string from the raw-body parser) into an object, or throws 400. */
export function parseJsonObject (body: unknown): Record<string, unknown> {
  if (typeof body !== 'string' || body.trim() === '') {
    throw AzureErrors.badParameter('The request body is required and must be a JSON object.')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw AzureErrors.badParameter('The request body is not valid JSON.')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw AzureErrors.badParameter('The request body must be a JSON object.')
  }
  return parsed as Record<string, unknown>
}

function checkContentType (v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || v.length > LIMITS.contentTypeMax) throw AzureErrors.invalidProperty('contentType')
  return v
}

function checkTags (v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw AzureErrors.invalidProperty('tags')
  const entries = Object.entries(v as Record<string, unknown>)
  if (entries.length > LIMITS.tagsMax) throw AzureErrors.invalidProperty()
  const out: Record<string, string> = {}
  for (const [k, val] of entries) {
    if (k.length === 0 || k.length > LIMITS.tagKeyMax) throw AzureErrors.invalidProperty('tags')
    if (typeof val !== 'string' || val.length > LIMITS.tagValueMax) throw AzureErrors.invalidProperty('tags')
    out[k] = val
  }
  return out
}

function checkDate (v: unknown, field: string): number | null | undefined {
  if (v === undefined) return undefined
  if (v === null) return null
  if (typeof v !== 'number' || !Number.isFinite(v)) throw AzureErrors.invalidProperty(`attributes.${field}`)
  return Math.trunc(v)
}

function checkAttributes (v: unknown): AttributesInput {
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw AzureErrors.invalidProperty('attributes')
  const a = v as Record<string, unknown>
  const out: AttributesInput = {}
  if (a.enabled !== undefined && a.enabled !== null) {
    if (typeof a.enabled !== 'boolean') throw AzureErrors.invalidProperty('attributes.enabled')
    out.enabled = a.enabled
  }
  const nbf = checkDate(a.nbf, 'nbf')
  const exp = checkDate(a.exp, 'exp')
  if (nbf !== undefined) out.nbf = nbf
  if (exp !== undefined) out.exp = exp
  return out
}

/** Validates a PUT `/secrets/{name}` body. */
export function parseSetInput (body: unknown): SetInput {
  const o = parseJsonObject(body)
  if (o.value === undefined || o.value === null) throw AzureErrors.badParameter('The parameter "value" is required.')
  if (typeof o.value !== 'string') throw AzureErrors.invalidProperty('value')
  if (o.value.length > LIMITS.valueMax) throw AzureErrors.secretTooLarge(LIMITS.valueMax)
  return { value: o.value, contentType: checkContentType(o.contentType), tags: checkTags(o.tags), attributes: checkAttributes(o.attributes) }
}

/** Validates a PATCH `/secrets/{name}/{version}` body; an empty body changes nothing. */
export function parseUpdateInput (body: unknown): UpdateInput {
  const o = typeof body === 'string' && body.trim() === '' ? {} : parseJsonObject(body)
  return { contentType: checkContentType(o.contentType), tags: checkTags(o.tags), attributes: checkAttributes(o.attributes) }
}

/** Reads one query value (repeated keys give the first) as a string. */
export function queryValue (q: unknown, key: string): string | undefined {
  if (q === null || typeof q !== 'object') return undefined
  const v = (q as Record<string, unknown>)[key]
  const first = Array.isArray(v) ? v[0] : v
  return typeof first === 'string' ? first : undefined
}

/** Checks `api-version` is present (any value is accepted, §1.1) and returns it. */
export function requireApiVersion (q: unknown): string {
  const v = queryValue(q, 'api-version')
  if (v === undefined || v === '') throw AzureErrors.badParameter('The api-version query parameter is required')
  return v
}

/** `maxresults`: absent → 25; otherwise an integer 1..25, else 400 `BadParameter`. */
export function parseMaxResults (q: unknown): number {
  const raw = queryValue(q, 'maxresults')
  if (raw === undefined || raw === '') return LIMITS.pageMax
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > LIMITS.pageMax) {
    throw AzureErrors.badParameter(`The value '${raw}' of the maxresults parameter is invalid; it must be an integer between 1 and ${LIMITS.pageMax}.`)
  }
  return n
}
