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
import { join } from "node:path"
import { build } from "esbuild"
import { bundleOptions } from "./bundleOptions.mjs"

rmSync("dist", { recursive: true, force: true })

const { metafile } = await build({
  ...bundleOptions,
  metafile: true,
  entryPoints: { plugin: "src/main.ts", cli: "src/cli/runCli.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]"
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
