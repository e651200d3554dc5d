/**
 * The seam between the sync domain and destination types (architecture "driver registry").
 * This issue needs the configuration half: how a type decodes, validates, merges and redacts
 * its fields, and how it turns a rendered name template into an external name. The worker
 * (issue 6) extends a type with the push half (apply, classify) without changing these.
 */
import type { TObject, TSchema } from 'typebox'
import type { DestinationOptions, WriteMode } from '../sync/destination-options.js'

/** A destination's configuration as the service handles it in memory. */
export interface DestinationConfig {
  /** Non-secret connection fields, stored as sent (`""` when absent: an env fallback applies). */
  connection: Record<string, string>
  /** Secret fields in clear, only in memory; sealed at rest, `"*****"` on reads. */
  secrets: Record<string, string>
  options: DestinationOptions
}

/** An external name, or why the rendered template cannot be one (D-20). */
export type ExternalName = { name: string } | { error: string }

/** The configuration behaviour of one destination type (`azure-kv`). */
export interface DestinationType {
  /** The URL segment and registry key, e.g. `azure-kv`. */
  readonly type: string
  /** Request fields the type knows; others are ignored with a warning. */
  readonly fields: ReadonlySet<string>
  /**
   * Applies a write: `stored` is undefined for a create. Returns the full new configuration.
   * @throws VaultError 400 naming the field; nothing is stored.
   */
  write: (stored: DestinationConfig | undefined, body: Record<string, unknown>, mode: WriteMode) => DestinationConfig
  /** TypeBox schema of `connection_details` on reads (undeclared fields are never serialized). */
  readonly connectionDetailsSchema: TSchema
  /** TypeBox schema of the type's connection fields in a write, for the OpenAPI document. */
  readonly connectionRequestSchema: TObject
  /** The `connection_details` of a read, with secrets as `"*****"` (or absent when unset). */
  connectionDetails: (config: DestinationConfig) => Record<string, unknown>
  /** Normalises a rendered template into the destination's naming rules. */
  externalName: (rendered: string) => ExternalName
}
