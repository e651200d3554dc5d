/**
 * Access tokens. The emulator's Entra issues real JWTs (ES256, signed with a P-256 key that is kept
 * in the state file, so tokens survive a restart), shaped like Entra v1 app tokens: `aud`,
 * `iss = https://sts.windows.net/{tid}/`, `tid`, `appid`, `oid`, `sub`, `idtyp: app`, `iat`, `nbf`
 * (5 minutes back, as Entra does), `exp`. Key Vault checks them on every call, which is what makes
 * AKV10022 (audience) and AKV10032 (issuer) reachable (spec/azure-keyvault-api.md §6.4). The
 * non-standard claim `xms_emu_gen` carries the principal's generation, so rotating a principal's
 * secret revokes every token issued before (decisions D-5). The public key is served as JWKS.
 */
import { SignJWT, calculateJwkThumbprint, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose'

/** The claims the emulator reads back from a token. */
export interface TokenClaims {
  tid: string
  appid: string
  oid: string
  aud: string
  iss: string
  gen: number
}

/** The outcome of {@link TokenService.verify}. */
export type VerifyResult = { ok: true, claims: TokenClaims } | { ok: false, reason: 'invalid' | 'expired' }

/** Issuer URL of tokens for tenant `tid` (v1 form, as Key Vault tokens carry). */
export const issuerFor = (tid: string): string => `https://sts.windows.net/${tid}/`

/** How many verified tokens {@link TokenService.verify} remembers. */
const VERIFIED_CACHE_MAX = 2000

/** Signs and verifies the emulator's access tokens. Create with {@link TokenService.create}. */
export class TokenService {
  private readonly verified = new Map<string, { claims: TokenClaims, exp: number, nbf: number }>()

  private constructor (private readonly privateKey: CryptoKey, private readonly publicKey: CryptoKey,
    private readonly privateJwk: JWK, private readonly publicJwk: JWK) {}

  /** Loads the signing key from `jwk` (a private EC P-256 JWK) or generates a new one. */
  static async create (jwk?: JWK): Promise<TokenService> {
    let privateJwk = jwk
    if (privateJwk === undefined) {
      const pair = await generateKeyPair('ES256', { extractable: true })
      privateJwk = await exportJWK(pair.privateKey)
    }
    const { d: _d, ...pub } = privateJwk
    const kid = await calculateJwkThumbprint(pub)
    const publicJwk: JWK = { ...pub, kid, use: 'sig', alg: 'ES256' }
    const privateKey = await importJWK(privateJwk, 'ES256') as CryptoKey
    const publicKey = await importJWK(pub, 'ES256') as CryptoKey
    return new TokenService(privateKey, publicKey, { ...privateJwk }, publicJwk)
  }

  /** The private JWK, for the state file. */
  exportPrivateJwk (): JWK { return { ...this.privateJwk } }

  /** The JWKS document (`{keys:[...]}`) with the public key. */
  jwks (): { keys: JWK[] } { return { keys: [{ ...this.publicJwk }] } }

  /** Issues a token for `audience`, valid `lifetimeSec` from `nowMs` (the emulator clock). */
  async issue (p: { tenantId: string, clientId: string, objectId: string, generation: number },
    audience: string, lifetimeSec: number, nowMs: number): Promise<string> {
    const now = Math.floor(nowMs / 1000)
    return await new SignJWT({ tid: p.tenantId, appid: p.clientId, oid: p.objectId, sub: p.objectId, idtyp: 'app', ver: '1.0', xms_emu_gen: p.generation })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.publicJwk.kid })
      .setIssuer(issuerFor(p.tenantId))
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + lifetimeSec)
      .sign(this.privateKey)
  }

  /**
   * Checks signature and time window at `nowMs`; audience and issuer are left to the caller.
   * Tokens whose signature verified are remembered (bounded), so a busy client costs one
   * signature check per token, not per request; the time window is checked every time.
   */
  async verify (token: string, nowMs: number): Promise<VerifyResult> {
    const known = this.verified.get(token)
    if (known !== undefined) {
      const now = Math.floor(nowMs / 1000)
      if (now >= known.exp) return { ok: false, reason: 'expired' }
      if (now < known.nbf) return { ok: false, reason: 'invalid' }
      return { ok: true, claims: known.claims }
    }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['ES256'], currentDate: new Date(nowMs) })
      const { tid, appid, oid, aud, iss, xms_emu_gen: gen, exp, nbf } = payload as Record<string, unknown>
      if (typeof tid !== 'string' || typeof appid !== 'string' || typeof oid !== 'string' || typeof aud !== 'string' ||
        typeof iss !== 'string' || typeof gen !== 'number' || typeof exp !== 'number' || typeof nbf !== 'number') return { ok: false, reason: 'invalid' }
      const claims = { tid, appid, oid, aud, iss, gen }
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value as string)
      this.verified.set(token, { claims, exp, nbf })
      return { ok: true, claims }
    } catch (err) {
      return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' }
    }
  }
}
