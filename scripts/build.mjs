// Bundles the plugin into dist/ behind a small launcher, dist/main.js: the entry points
// plugin.js (serving, src/main.ts) and cli.js (--probe and --help, src/cli/runCli.ts, imported
// by main.ts only when it is given arguments), and the chunks they share or import lazily
// (dist/chunks/, named by content). What serving loads before `initialize` is effect, the SDK
// and the plugin's own code: undici and the node:http/https/tls it brings are a chunk of their
// own, imported by the first request, as the CLI is by the first argument.
// A bundle starts several times faster than loading effect's modules one by one, and the
// launcher turns on Node's compile cache before the bundle is compiled, so that later starts
// skip compiling it (a cache enabled from inside the bundle only helps modules loaded after it).
// bench/RESULTS.md has the numbers.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { builtinModules, createRequire } from "node:module"
import { join, resolve } from "node:path"
import { build } from "esbuild"

rmSync("dist", { recursive: true, force: true })

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

/**
 * Node's modules reached through `process.getBuiltinModule` instead of `import` (the bundle runs
 * on Node >= 22.19 only: see scripts/launcher.mjs). An `import` of a built-in module builds its
 * whole ESM namespace, reading every property, getters included: node:fs's `promises` alone loads
 * fs/promises, readline and the REPL's history, 4 ms of each start (8 ms with the others). A
 * property that is a getter is left out, so code importing one fails to build instead of loading
 * it eagerly. `require` calls (undici's) are left as they are.
 */
const builtinsWithoutNamespace = {
  name: "builtins-without-namespace",
  setup: (plugin) => {
    const require = createRequire(import.meta.url)
    const builtins = new Set(builtinModules)
    plugin.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, "")
      return kind === "import-statement" && builtins.has(name) ? { path: `node:${name}`, namespace: "builtin" } : undefined
    })
    plugin.onLoad({ filter: /.*/, namespace: "builtin" }, ({ path }) => {
      const module = require(path)
      const names = Object.keys(module).filter((name) =>
        /^[A-Za-z_$][\w$]*$/.test(name) && name !== "default" && "value" in Object.getOwnPropertyDescriptor(module, name)
      )
      return {
        contents: `const m = process.getBuiltinModule(${JSON.stringify(path)});\nexport default m;\n` +
          names.map((name) => `export const ${name} = m.${name};`).join("\n"),
        loader: "js"
      }
    })
  }
}

const { metafile } = await build({
  ...common,
  metafile: true,
  entryPoints: { plugin: "src/main.ts", cli: "src/cli/runCli.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  plugins: [builtinsWithoutNamespace, {
    name: "undici-exports",
    setup: (plugin) =>
      plugin.onResolve({ filter: /^\.\/Undici\.js$/ }, ({ importer }) =>
        importer.includes("@effect/platform-node") ? { path: resolve("scripts/undiciExports.mjs") } : undefined)
  }]
})

writeFileSync("dist/main.js", readFileSync("scripts/launcher.mjs", "utf8"))

// esbuild drops the licence comments of what it bundles (legalComments: none keeps the bundle
// small); the licences themselves go beside it, one per bundled package, with the project's own.
const bundled = new Set()
for (const input of Object.keys(metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, "/"))
  if (match) bundled.add(match[1])
}
const noticeOf = (name) => {
  const dir = join("node_modules", name)
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.|$)/i.test(entry))
  const text = file === undefined ? `(no licence file in the package; package.json says ${license})` : readFileSync(join(dir, file), "utf8").trim()
  return `## ${name} ${version} (${license})\n\n${text}\n`
}
writeFileSync(
  "dist/THIRD-PARTY-NOTICES.md",
  `# Third-party notices\n\nThe files in dist/ bundle the following packages; each is used under the licence below.\n\n${[...bundled].sort().map(noticeOf).join("\n")}`
)
