/**
 * The secrets data-plane operations: REST operation id, RBAC data action (decisions D-25) and
 * throttling bucket (D-12). Routes carry one of these in their config; the request log records
 * the data action of every request, so callers can derive the minimal custom role from real use.
 */
import type { Bucket } from './throttle.js'

const A = 'Microsoft.KeyVault/vaults/secrets'

/** One operation's metadata. */
export interface OperationInfo {
  /** Azure REST operation id, e.g. `SetSecret`. */
  operation: string
  /** RBAC data action, e.g. `Microsoft.KeyVault/vaults/secrets/setSecret/action`. */
  dataAction: string
  bucket: Bucket
  /** Short verb used in messages (`get`, `set`, ...), as in `Operation get is not allowed ...`. */
  verb: string
}

/** Every operation the emulator serves. */
export const OPERATIONS = {
  SetSecret: { operation: 'SetSecret', dataAction: `${A}/setSecret/action`, bucket: 'write', verb: 'set' },
  GetSecret: { operation: 'GetSecret', dataAction: `${A}/getSecret/action`, bucket: 'other', verb: 'get' },
  UpdateSecret: { operation: 'UpdateSecret', dataAction: `${A}/update/action`, bucket: 'other', verb: 'update' },
  GetSecrets: { operation: 'GetSecrets', dataAction: `${A}/readMetadata/action`, bucket: 'other', verb: 'list' },
  GetSecretVersions: { operation: 'GetSecretVersions', dataAction: `${A}/readMetadata/action`, bucket: 'other', verb: 'list' },
  DeleteSecret: { operation: 'DeleteSecret', dataAction: `${A}/delete`, bucket: 'other', verb: 'delete' },
  GetDeletedSecrets: { operation: 'GetDeletedSecrets', dataAction: `${A}/readMetadata/action`, bucket: 'other', verb: 'list' },
  GetDeletedSecret: { operation: 'GetDeletedSecret', dataAction: `${A}/readMetadata/action`, bucket: 'other', verb: 'get' },
  PurgeDeletedSecret: { operation: 'PurgeDeletedSecret', dataAction: `${A}/purge/action`, bucket: 'other', verb: 'purge' },
  RecoverDeletedSecret: { operation: 'RecoverDeletedSecret', dataAction: `${A}/recover/action`, bucket: 'other', verb: 'recover' },
  BackupSecret: { operation: 'BackupSecret', dataAction: `${A}/backup/action`, bucket: 'other', verb: 'backup' },
  RestoreSecret: { operation: 'RestoreSecret', dataAction: `${A}/restore/action`, bucket: 'write', verb: 'restore' }
} as const satisfies Record<string, OperationInfo>

export type OperationName = keyof typeof OPERATIONS
