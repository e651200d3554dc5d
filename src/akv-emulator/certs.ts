/**
 * TLS material for the emulator: a private CA and a server certificate it signs, for `localhost`,
 * `127.0.0.1`, `::1` and any extra host names (issue 4; decisions D-11). Keys are ECDSA P-256 from
 * WebCrypto, certificates are assembled with `@peculiar/x509` (no openssl process). A real CA plus
 * a leaf, not a lone self-signed leaf, keeps Python/OpenSSL and curl happy (azure-sdk-offline.md §6).
 *
 * In a directory the files are `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`; existing
 * ones are loaded, and the server certificate is re-issued only when it is missing, expiring within
 * 30 days, not issued by the CA, or lacks one of the wanted names.
 */
import { X509Certificate, webcrypto } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'

type X509Lib = typeof import('@peculiar/x509')

/**
 * `@peculiar/x509` (and the Reflect polyfill it requires) is loaded only when a certificate must
 * be made, so a start that reuses cached certificates does not pay for it.
 */
async function x509Lib (): Promise<X509Lib> {
  await import('reflect-metadata')
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as globalThis.Crypto)
  return x509
}

const EC: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' }
const SIGN: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' }
const DAY = 86400_000

/** PEM strings for the TLS server and the path of the CA file clients should trust. */
export interface TlsMaterial {
  caPem: string
  certPem: string
  keyPem: string
  caFile: string
}

/** Names every server certificate carries, plus `extra` (host names or IP addresses). */
export function wantedNames (extra: string[] = []): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', ...extra].filter((n) => n !== '' && n !== '0.0.0.0' && n !== '::'))]
}

async function exists (path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8') } catch { return undefined }
}

async function writeAtomic (path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await chmod(tmp, mode)
  await rename(tmp, path)
}

async function exportKeyPem (x509: X509Lib, key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key)
  return x509.PemConverter.encode(der, 'PRIVATE KEY')
}

async function importKeyPem (x509: X509Lib, pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0]
  return await webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign'])
}

async function generateKeys (): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])
}

async function createCa (): Promise<{ certPem: string, keyPem: string }> {
  const x509 = await x509Lib()
  const keys = await generateKeys()
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=vault-sync Azure Key Vault emulator CA ${now.toString(36)}, O=vault-sync`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(x509, keys.privateKey) }
}

async function issueServerCert (caPem: string, caKeyPem: string, names: string[]): Promise<{ certPem: string, keyPem: string }> {
  const x509 = await x509Lib()
  const ca = new x509.X509Certificate(caPem)
  const caKey = await importKeyPem(x509, caKeyPem)
  const keys = await generateKeys()
  const now = Date.now()
  const san = names.map((n) => ({ type: isIP(n) === 0 ? 'dns' as const : 'ip' as const, value: n }))
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost, O=vault-sync Azure Key Vault emulator',
    issuer: ca.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 397 * DAY),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(san, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false)
    ]
  })
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(x509, keys.privateKey) }
}

function caUsable (pem: string): boolean {
  try {
    const c = new X509Certificate(pem)
    return c.ca && new Date(c.validTo).getTime() > Date.now() + 30 * DAY
  } catch { return false }
}

function serverUsable (certPem: string, caPem: string, names: string[]): boolean {
  try {
    const c = new X509Certificate(certPem)
    const ca = new X509Certificate(caPem)
    if (!c.checkIssued(ca) || !c.verify(ca.publicKey)) return false
    if (new Date(c.validTo).getTime() < Date.now() + 30 * DAY) return false
    return names.every((n) => isIP(n) === 0 ? c.checkHost(n, { wildcards: false }) !== undefined : c.checkIP(n) !== undefined)
  } catch { return false }
}

/**
 * Loads the CA and server certificate from `dir`, creating (and saving) whatever is missing or
 * unusable. `names` are the server certificate's subject alternative names (see {@link wantedNames}).
 */
export async function loadOrCreateTls (dir: string, names: string[]): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true })
  const caFile = join(dir, 'ca.pem')
  const caKeyFile = join(dir, 'ca-key.pem')
  const certFile = join(dir, 'server.pem')
  const keyFile = join(dir, 'server-key.pem')
  let caPem = await exists(caFile)
  let caKeyPem = await exists(caKeyFile)
  let fresh = false
  if (caPem === undefined || caKeyPem === undefined || !caUsable(caPem)) {
    ({ certPem: caPem, keyPem: caKeyPem } = await createCa())
    await writeAtomic(caKeyFile, caKeyPem, 0o600)
    await writeAtomic(caFile, caPem, 0o644)
    fresh = true
  }
  let certPem = await exists(certFile)
  let keyPem = await exists(keyFile)
  if (fresh || certPem === undefined || keyPem === undefined || !serverUsable(certPem, caPem, names)) {
    ({ certPem, keyPem } = await issueServerCert(caPem, caKeyPem, names))
    await writeAtomic(keyFile, keyPem, 0o600)
    await writeAtomic(certFile, certPem, 0o644)
  }
  return { caPem, certPem, keyPem, caFile }
}
