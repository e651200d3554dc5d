/** Entry point of `npm run demo` (`node dist/src/demo/run.js [flags]`); see `main.ts`. */
import { main } from './main.js'

await main(process.argv.slice(2))
