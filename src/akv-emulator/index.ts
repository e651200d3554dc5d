/**
 * The Azure Key Vault emulator's public surface: `startAkvEmulator` (programmatic), the CLI entry
 * `runAkvEmulatorCommand`, and their types. See `emulator.ts` and `types.ts`.
 */
export { startAkvEmulator } from './emulator.js'
export { runAkvEmulatorCommand, parseListenAddress, writeInfoFile, type AkvEmulatorCommandFlags, type AkvEmulatorCommandIo } from './command.js'
export { createManualClock, createEmulatorClock, systemClock, type Clock, type EmulatorClock, type ManualClock } from './clock.js'
export type { AkvEmulator, AkvEmulatorInfo, AkvEmulatorOptions, AkvVaultHandle, AkvPrincipalsHandle, VaultSettings, VaultSettingsPatch, PagingSettings, OutOfBandEdit, OutOfBandResult } from './types.js'
export type { FaultRule, FaultRuleInput, FaultAction, FaultMatch, FaultMode } from './faults.js'
export type { RequestLogEntry } from './request-log.js'
export type { ThrottleSettings, RetryAfterMode } from './throttle.js'
export type { VaultPolicy, RbacDeny, FirewallSettings } from './policy.js'
export type { Principal, PrincipalView } from './principals.js'
export type { StoredSecret, StoredVersion, DeletedSecret } from './secret-model.js'
export { OPERATIONS, type OperationInfo } from './operations.js'
