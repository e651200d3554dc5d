// The layer boundaries of docs/architecture.md are enforced by dependency-cruiser
// (.dependency-cruiser.cjs, run by `npm test` as `npm run lint`): the real tree passes, and a
// scratch tree with one deliberately wrong import per rule fails naming that rule.
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const ROOT = join(import.meta.dirname, '..', '..')
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise')
const run = promisify(execFile)

/** Runs dependency-cruiser in `cwd` over `dirs`; exit code and output. */
async function cruise (cwd: string, dirs: string[]): Promise<{ code: number, out: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, [...dirs, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd })
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, out: `${e.stdout}${e.stderr}` }
  }
}

t.test('the real tree keeps every boundary', async (t) => {
  const { code, out } = await cruise(ROOT, ['src', 'routes', 'db'])
  t.equal(code, 0, out)
})

t.test('a wrong import in a scratch file fails the check, naming the rule', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-depcruise-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'))
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'))
  const files: Record<string, string> = {
    'db/things-repo.ts': 'export const things = 1\n',
    'src/sync/plan.ts': 'export const plan = 1\n',
    'src/sync/a.ts': "import { b } from './b.js'\nexport const a = b\n",
    'src/sync/b.ts': "import { a } from './a.js'\nexport const b = () => a\n",
    'src/drivers/driver.ts': 'export const contract = 1\n',
    'src/drivers/azure-kv/azure-kv-driver.ts': "import { contract } from '../driver.js'\nexport const d = contract\n",
    'src/kv/kv-service.ts': 'export const kv = 1\n',
    // Each scratch file below breaks one boundary.
    'routes/scratch.ts': "import { things } from '../db/things-repo.js'\nexport const x = things\n",
    'src/drivers/azure-kv/scratch.ts': "import { plan } from '../../sync/plan.js'\nexport const x = plan\n",
    'src/worker/scratch.ts': "import { d } from '../drivers/azure-kv/azure-kv-driver.js'\nexport const x = d\n",
    'src/akv-emulator/scratch.ts': "import { kv } from '../kv/kv-service.js'\nexport const x = kv\n",
    'db/scratch.ts': "import { kv } from '../src/kv/kv-service.js'\nexport const x = kv\n"
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const { code, out } = await cruise(dir, ['src', 'routes', 'db'])
  t.not(code, 0, 'dependency-cruiser fails')
  t.match(out, /routes-not-db: routes\/scratch\.ts → db\/things-repo\.ts/)
  t.match(out, /drivers-stand-alone: src\/drivers\/azure-kv\/scratch\.ts → src\/sync\/plan\.ts/)
  t.match(out, /worker-contract-only: src\/worker\/scratch\.ts → src\/drivers\/azure-kv\/azure-kv-driver\.ts/)
  t.match(out, /emulator-stand-alone: src\/akv-emulator\/scratch\.ts → src\/kv\/kv-service\.ts/)
  t.match(out, /db-bottom: db\/scratch\.ts → src\/kv\/kv-service\.ts/)
  t.match(out, /no-cycles: src\/sync\/a\.ts → \s*src\/sync\/b\.ts/)
})
