// Bundles src/main.ts into dist/plugin.js (one file, ESM) behind a small launcher, dist/main.js,
// and the command line a person uses (src/cli/runCli.ts) into dist/cli.js, which main.ts imports
// only when it is given arguments: serving the protocol never compiles the CLI.
// A bundle starts several times faster than loading effect's modules one by one, and the
// launcher turns on Node's compile cache before the bundle is compiled, so that later starts
// skip compiling it (a cache enabled from inside the bundle only helps modules loaded after it).
// bench/RESULTS.md has the numbers.
import { rmSync, writeFileSync } from "node:fs"
import { build } from "esbuild"

rmSync("dist", { recursive: true, force: true })

const CLI = /[\\/]cli[\\/]runCli\.ts$/

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: "linked",
  legalComments: "none",
  // Whitespace and syntax only: identifiers stay, so stack traces in logs stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  banner: {
    // undici's CommonJS needs `require`.
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  }
}

await build({
  ...common,
  entryPoints: ["src/main.ts"],
  outfile: "dist/plugin.js",
  plugins: [{
    name: "cli-bundle",
    setup: (plugin) => plugin.onResolve({ filter: CLI }, () => ({ path: "./cli.js", external: true }))
  }]
})

await build({ ...common, entryPoints: ["src/cli/runCli.ts"], outfile: "dist/cli.js" })

writeFileSync(
  "dist/main.js",
  `// Launcher: the compile cache (Node >= 22.1) must be on before dist/plugin.js is compiled.
import { enableCompileCache } from "node:module"
enableCompileCache?.()
await import("./plugin.js")
`
)
