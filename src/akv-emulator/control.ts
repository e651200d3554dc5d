/**
 * The emulator's control surface, shared by the programmatic API (`AkvEmulator`) and the admin
 * HTTP API (`/_emulator/...`): faults, principals, vault settings and managed secrets. Bad input
 * throws RangeError/TypeError/SyntaxError (the admin API answers 400); unknown names throw a 404
 * `EmulatorHttpError`.
 */
import type { EmulatorCore, VaultRuntime } from './core.js'
import { AdminErrors } from './errors.js'
import type { FaultRule, FaultRuleInput } from './faults.js'
import type { Principal, PrincipalView } from './principals.js'
import { applyOutOfBandEdit } from './out-of-band.js'
import { applySettingsPatch } from './settings.js'
import type { AkvPrincipalsHandle, AkvVaultHandle, VaultSettingsPatch } from './types.js'
import { checkSecretName } from './validation.js'

/** The vault called `name` (case-insensitive), or the first one when omitted; 404 otherwise. */
export function findVault (core: EmulatorCore, name?: string): VaultRuntime {
  const v = name === undefined ? core.vaults.values().next().value : core.vaults.get(name.toLowerCase())
  if (v === undefined) throw AdminErrors.notFound(`Vault "${name ?? ''}"`)
  return v
}

/** Programmatic access to one vault. */
export function vaultHandle (core: EmulatorCore, v: VaultRuntime): AkvVaultHandle {
  return {
    name: v.name,
    get uri () { return v.uri },
    settings: () => structuredClone(v.settings),
    updateSettings (patch: VaultSettingsPatch) {
      const { settings, allowList } = applySettingsPatch(v.settings, patch)
      v.settings = settings
      v.allowList = allowList
      core.logger.info({ vault: v.name }, 'akv emulator: vault settings changed')
      return structuredClone(settings)
    },
    putManagedSecret (name, opts = {}) {
      checkSecretName(name)
      const sv = v.store.putManaged(name, { value: opts.value ?? '', contentType: opts.contentType ?? 'application/x-pkcs12', kid: opts.kid, tags: opts.tags })
      if (sv === undefined) throw AdminErrors.conflict(`Secret ${name} exists (or is soft-deleted) and is not certificate-backed.`)
      return { id: `${v.uri}/secrets/${name}/${sv.version}`, version: sv.version }
    },
    edit: (name, edit) => applyOutOfBandEdit(v.store, name, edit),
    removeSecret: (name) => v.store.remove(name),
    inspectSecret (name) {
      const { secrets, deleted } = v.store.toJSON()
      const key = name.toLowerCase()
      const active = secrets.find((s) => s.name.toLowerCase() === key)
      if (active !== undefined) return { state: 'active', secret: structuredClone(active) }
      const gone = deleted.find((s) => s.name.toLowerCase() === key)
      return gone === undefined ? undefined : { state: 'deleted', secret: structuredClone(gone) }
    },
    snapshot: () => structuredClone(v.store.toJSON()),
    counts: () => v.store.counts()
  }
}

/** Programmatic access to principals. */
export function principalsHandle (core: EmulatorCore): AkvPrincipalsHandle {
  const must = <T>(p: T | undefined, clientId: string): T => {
    if (p === undefined) throw AdminErrors.notFound(`Principal "${clientId}"`)
    return p
  }
  return {
    add (p): Principal {
      for (const [k, val] of Object.entries(p)) {
        if (val !== undefined && (typeof val !== 'string' || val === '')) throw new TypeError(`${k} must be a non-empty string`)
      }
      const added = core.principals.add(p)
      core.logger.info({ clientId: added.clientId, tenantId: added.tenantId }, 'akv emulator: principal added')
      return { ...added }
    },
    rotateSecret (clientId, newSecret): Principal {
      if (newSecret !== undefined && (typeof newSecret !== 'string' || newSecret === '')) throw new TypeError('clientSecret must be a non-empty string')
      const p = must(core.principals.rotateSecret(clientId, newSecret), clientId)
      core.logger.info({ clientId: p.clientId }, 'akv emulator: client secret rotated; earlier tokens revoked')
      return { ...p }
    },
    disable (clientId): PrincipalView {
      const { clientSecret: _s, ...view } = must(core.principals.setEnabled(clientId, false), clientId)
      core.logger.info({ clientId }, 'akv emulator: principal disabled; its tokens revoked')
      return view
    },
    list: () => core.principals.list()
  }
}

/** Programmatic access to fault rules, with logging. */
export function faultsHandle (core: EmulatorCore): { add: (r: FaultRuleInput) => FaultRule, list: () => FaultRule[], remove: (id: string) => boolean, clear: () => void } {
  return {
    add (rule) {
      const added = core.faults.add(rule)
      core.logger.info({ id: added.id, match: added.match, mode: added.mode }, 'akv emulator: fault rule added')
      return added
    },
    list: () => core.faults.list(),
    remove: (id) => core.faults.remove(id),
    clear: () => core.faults.clear()
  }
}
