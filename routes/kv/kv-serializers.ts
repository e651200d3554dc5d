/**
 * The compiled serialisers of the KV answers with a fixed shape (`src/vault/envelope-serializer.ts`):
 * a data read (`{data, metadata}`) and a data write or patch (the version's metadata). The field
 * lists are `VersionSchema`'s and `KvReadSchema`'s (`src/kv/kv-schemas.ts`; a test holds them
 * equal); the secret's own key/value map is written as JSON.stringify writes it. A cached data
 * read is written from the secret's JSON bytes (`readJson`), in the same bytes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import fastJson from 'fast-json-stringify'
import type { VersionView } from '../../src/kv/kv-views.js'
import { compileEnvelope, openObject, type SerializerSchema } from '../../src/vault/envelope-serializer.js'
import type { Envelope } from '../../src/vault/envelope.js'
import { okJsonPieces, sendOkJson } from '../../src/vault/envelope-json.js'

/** A version's metadata (`VersionView`). */
export const VERSION_FIELDS: Record<string, SerializerSchema> = {
  created_time: { type: 'string' },
  custom_metadata: { type: ['object', 'null'], additionalProperties: true },
  deletion_time: { type: 'string' },
  destroyed: { type: 'boolean' },
  version: { type: 'integer' }
}

/** `GET data/:path` data: the secret's map and its version's metadata. */
export const READ_FIELDS: Record<string, SerializerSchema> = {
  data: { type: 'object', additionalProperties: true },
  metadata: openObject(VERSION_FIELDS)
}

/** `JSON.stringify` of a data read's envelope, compiled. */
export const serializeRead = compileEnvelope(openObject(READ_FIELDS))
/** `JSON.stringify` of a data write's or patch's envelope, compiled. */
export const serializeVersion = compileEnvelope(openObject(VERSION_FIELDS))

/** Answers a data read's envelope through its compiled serialiser. */
export function sendRead (reply: FastifyReply, body: Envelope): FastifyReply {
  return reply.serializer(serializeRead).send(body)
}

/** Answers a data write's or patch's envelope (the version's metadata) through its compiled serialiser. */
export function sendVersion (reply: FastifyReply, body: Envelope): FastifyReply {
  return reply.serializer(serializeVersion).send(body)
}

/** A version's metadata alone, as `serializeRead` writes it inside a read's envelope. */
const serializeMetadata = fastJson(openObject(VERSION_FIELDS)) as (metadata: VersionView) => string
/** `serializeMetadata` of shared views (the cached key states' views: never changed), UTF-8, by view object. */
const metadataJson = new WeakMap<VersionView, Buffer>()

/** What `readJson` writes: a data read's parts (`dataJson`: `JSON.stringify(data)`, UTF-8). */
interface ReadJson { requestId: string, mountType: string, dataJson: Buffer, metadata: VersionView }

const DATA_OPEN = Buffer.from('{"data":')
const TO_METADATA = Buffer.from(',"metadata":')
const DATA_CLOSE = Buffer.from('}')

/** A data read's `data` field (`{data, metadata}`) in pieces: the metadata serialised once per view object. */
function readData (dataJson: Buffer, metadata: VersionView): Buffer[] {
  let meta = metadataJson.get(metadata)
  if (meta === undefined) { meta = Buffer.from(serializeMetadata(metadata)); metadataJson.set(metadata, meta) }
  return [DATA_OPEN, dataJson, TO_METADATA, meta, DATA_CLOSE]
}

/** The bytes of `serializeRead(ok(request, { data, metadata }))` from `dataJson`, without parsing it. */
export function readJson ({ requestId, mountType, dataJson, metadata }: ReadJson): Buffer {
  const { pieces, length } = okJsonPieces(requestId, mountType, readData(dataJson, metadata))
  return Buffer.concat(pieces, length)
}

/**
 * Answers a data read from its data's JSON bytes (`sendRead` of `ok(request, { data, metadata })`,
 * the same bytes, through `sendOkJson`); `metadata` must not change afterwards.
 */
export function sendReadJson (request: FastifyRequest, reply: FastifyReply, dataJson: Buffer, metadata: VersionView, warnings?: readonly string[]): FastifyReply {
  return sendOkJson(request, reply, readData(dataJson, metadata), warnings)
}
