/**
 * Node flags that load this project's TypeScript sources in a child process the way tap loads the
 * tests (tsx's ESM loader, set as tap's `node-arg` in package.json), so a child runs the same
 * sources as its test without a build.
 */
export const TS_LOADER: readonly string[] = ['--import', 'tsx']
