// How the plugin is bundled (esbuild options), shared by scripts/build.mjs and the floors of
// bench/floors.ts, which must be bundled the same way to be comparable.
import { builtinModules, createRequire } from "node:module"
import { fileURLToPath } from "node:url"

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
 * fs/promises, readline and the REPL's history: about 4 ms of each start. A
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

/**
 * platform-node's Undici.js re-exports undici's CommonJS with `export *`, whose names a split chunk
 * cannot know ahead of time: scripts/undiciExports.mjs takes its place, the names spelled out.
 */
const undiciExports = {
  name: "undici-exports",
  setup: (plugin) =>
    plugin.onResolve({ filter: /^\.\/Undici\.js$/ }, ({ importer }) =>
      importer.includes("@effect/platform-node") ? { path: fileURLToPath(new URL("undiciExports.mjs", import.meta.url)) } : undefined)
}

/** esbuild's options for a bundle of the plugin's kind (ESM for Node, chunks split); add entry points and an outdir. */
export const bundleOptions = { ...common, splitting: true, plugins: [builtinsWithoutNamespace, undiciExports] }
