/**
 * The layer boundaries of docs/architecture.md, checked by `npm test` (`npm run lint:deps`).
 * Each rule names the boundary it guards; a violation fails the build.
 */
const DOMAIN = '^src/(kv|sync|mounts|acl|tokens|audit|drivers|worker|crypto)/'

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Modules form a DAG: no import cycles.', from: {}, to: { circular: true } },
    { name: 'routes-not-db', severity: 'error', comment: 'Routes call services; they never import db/.', from: { path: '^routes/' }, to: { path: '^db/' } },
    { name: 'routes-not-drivers', severity: 'error', comment: 'Routes never talk to a destination driver.', from: { path: '^routes/' }, to: { path: '^src/(drivers|worker)/' } },
    { name: 'kv-not-sync', severity: 'error', comment: 'KV knows nothing of sync: it emits change events.', from: { path: '^src/kv/' }, to: { path: '^src/(sync|drivers|worker)/' } },
    { name: 'vault-no-domain', severity: 'error', comment: 'src/vault is the Vault wire layer: no domain, no storage.', from: { path: '^src/vault/' }, to: { path: [DOMAIN, '^db/', '^routes/'] } },
    { name: 'drivers-stand-alone', severity: 'error', comment: 'Drivers depend on the contract only: never db, sync, vault, worker or routes.', from: { path: '^src/drivers/' }, to: { path: '^(db|routes)/|^src/(sync|vault|worker|kv|mounts|acl|tokens)/' } },
    { name: 'sync-contract-only', severity: 'error', comment: 'src/sync knows the driver contract, never a driver folder.', from: { path: '^src/sync/' }, to: { path: '^src/drivers/[^/]+/' } },
    { name: 'worker-contract-only', severity: 'error', comment: 'The worker knows the driver contract, never a driver folder.', from: { path: '^src/worker/' }, to: { path: '^src/drivers/[^/]+/' } },
    { name: 'db-bottom', severity: 'error', comment: 'db/ is the bottom layer: it imports nothing of src/ or routes/.', from: { path: '^db/' }, to: { path: '^(src|routes)/' } },
    { name: 'emulator-stand-alone', severity: 'error', comment: 'The Azure Key Vault emulator is a product of its own: it imports nothing of vault-sync.', from: { path: '^src/akv-emulator/' }, to: { path: '^(src|db|routes)/', pathNot: '^src/akv-emulator/' } },
    { name: 'store-engines-apart', severity: 'error', comment: 'The storage interface names no engine, and the SQLite store loads nothing of PostgreSQL (db/store/).', from: { path: '^db/store/(repositories|sqlite-store)\\.ts$' }, to: { path: '^db/(pg|store/pg)/|node_modules/pg/' } },
    { name: 'product-not-tests', severity: 'error', comment: 'Product code never imports tests or benchmarks.', from: { path: '^(src|db|routes)/' }, to: { path: '^(test|bench)/' } }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] }
  }
}
