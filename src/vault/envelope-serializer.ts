/**
 * Schema-compiled serialisers (fast-json-stringify) for Vault's success envelope around a
 * fixed-shape `data` (spec/vault-core-kv-api.md §1.5), for the hot routes that answer one shape:
 * the output is byte for byte `JSON.stringify` of the same envelope (`envelope.ts` `ok`), keys in
 * the envelope's order, `null`s kept, and any key the schema does not name still written (after
 * the named ones, as `JSON.stringify` writes them), so a schema can never drop or reorder a field.
 *
 * Schemas given here must be plain JSON Schema without `anyOf`/`oneOf` (fast-json-stringify would
 * validate each branch per call); nullable values use a type list (`["object", "null"]`).
 */
import fastJson from 'fast-json-stringify'
import type { Envelope } from './envelope.js'

/** A JSON Schema object as fast-json-stringify takes it. */
export type SerializerSchema = Record<string, unknown>

/** A fixed-shape object whose unnamed keys are still written (`additionalProperties: true`). */
export function openObject (properties: Record<string, SerializerSchema>): SerializerSchema {
  return { type: 'object', properties, additionalProperties: true }
}

/** `JSON.stringify(envelope)` for envelopes whose `data` has the shape `data` (compiled once). */
export function compileEnvelope (data: SerializerSchema): (body: Envelope) => string {
  return fastJson(openObject({
    request_id: { type: 'string' },
    lease_id: { type: 'string' },
    renewable: { type: 'boolean' },
    lease_duration: { type: 'integer' },
    data,
    // Written by JSON.stringify whatever they hold (`{}`): null here, in every KV answer.
    wrap_info: {},
    warnings: {},
    auth: {},
    mount_type: { type: 'string' }
  })) as (body: Envelope) => string
}
