/**
 * What a rule may show its caller or owner (issue 22; Vault reveals secret names only to `list`
 * on their folder, and a secret's existence to `read` on it): the two ACL paths of one secret,
 * shared by rule create (`visibleCovered`, and which holder a taken name may name, in
 * `rule-service.ts`) and the KV hook (`rule-hooks.ts`).
 */
import type { Acl } from '../acl/acl.js'

/** The folder of a secret path, with its trailing `/` (`""` at the mount's root). */
export const folderOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1)

/** True when `acl` may `list` the KV v2 folder `folder` of the mount `mountName` (no trailing `/`). */
export const mayList = (acl: Acl, mountName: string, folder: string): boolean => acl.allows('list', `${mountName}/metadata/${folder}`)

/** True when `acl` may `read` the secret `path` of the mount `mountName`. */
export const mayRead = (acl: Acl, mountName: string, path: string): boolean => acl.allows('read', `${mountName}/data/${path}`)

/**
 * True when `acl` could learn that the secret `path` of the mount `mountName` exists: it may list
 * its folder or read it (what a rule's answer may name, README "Association rules").
 */
export const mayKnow = (acl: Acl, mountName: string, path: string): boolean => mayList(acl, mountName, folderOf(path)) || mayRead(acl, mountName, path)
