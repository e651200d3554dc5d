/** What every benchmark receives from the harness. */
import type { AzureSide } from './azure.js'

export interface BenchContext {
  quick: boolean
  /** A scratch folder for this run (databases, info files). */
  dir: string
  azure: AzureSide
  log: (message: string) => void
}
