// Bundles src/main.ts into dist/main.js (one file, ESM). A bundle starts several times faster
// than loading effect's modules one by one; see bench/RESULTS.md for the numbers.
import { build } from "esbuild"

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  banner: {
    // undici's CommonJS needs `require`; the compile cache (Node >= 22.1) keeps V8's code cache of this
    // bundle on disk, which cuts the next start's parse and compile time.
    js: "import { createRequire as __createRequire, enableCompileCache as __enableCompileCache } from 'node:module'; __enableCompileCache?.(); const require = __createRequire(import.meta.url);"
  }
})
