// KV v2 mounts for the selects (sys/mounts), and secret path suggestions (KV LIST).
import { api, encPath } from './api.js'

/** Paths (no trailing slash) of KV version 2 mounts; ['secret'] when sys/mounts cannot be read. */
export async function kvMounts () {
  try {
    const res = await api('GET', 'sys/mounts')
    const out = Object.entries(res.data).filter(([, m]) => m.type === 'kv' && String(m.options?.version ?? '') === '2').map(([p]) => p.replace(/\/$/, ''))
    return out.length > 0 ? out : ['secret']
  } catch {
    return ['secret']
  }
}

/**
 * Suggestions for a secret path being typed: `LIST <mount>/metadata/<folder>` of the folder
 * typed so far, as full paths. Empty when the list is refused or there is nothing.
 */
export async function pathSuggestions (mount, typed) {
  const folder = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/') + 1) : ''
  try {
    const res = await api('LIST', `${encPath(mount)}/metadata/${encPath(folder)}`)
    return (res.data.keys ?? []).map((k) => folder + k)
  } catch {
    return []
  }
}
