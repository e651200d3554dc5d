/** What every benchmark receives from the harness. */
import type { AzureSide } from './azure.js'
import type { BenchPostgres } from './postgres.js'

export interface BenchContext {
  quick: boolean
  /** A scratch folder for this run (databases, info files). */
  dir: string
  azure: AzureSide
  log: (message: string) => void
  /**
   * The run's throwaway PostgreSQL (started on first call, stopped at the end of the run), or
   * undefined with `--no-postgresql`. @throws PostgresMissingError without the binaries.
   */
  postgres: () => Promise<BenchPostgres> | undefined
  /**
   * Records a failed part of benchmark `bench` (its PostgreSQL column, say) while the rest of
   * its figures are still reported; the run then exits non-zero.
   */
  partFailed: (bench: number, part: string, err: unknown) => void
}
