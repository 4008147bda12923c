/**
 * `npm run bench:floors`: the limits the plugin can reach on start-up (b), at rest (idle) and
 * under 32 concurrent turns (c), measured in minimal programs beside the plugin, in one run:
 *
 *   bench/floors/bareNode.mjs   plain Node doing only the unavoidable part of each row
 *   bench/floors/effectSdk.ts   the same on the decided stack: effect, the SDK's `serve`, effect's
 *                               HttpClient on undici; bundled and launched as the plugin is
 *   dist/main.js                the plugin, default config
 *
 * Each is started with the manifest's V8 flags, against the same fake upstream and config. The
 * rows carry issue 28's targets, so the table says which programs can meet them at all. Results
 * go to bench/.out/floors.md, and with `--write` to the tracked bench/FLOORS.md.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { connect } from "@plexum/sdk/host"
import { Effect } from "effect"
import { build } from "esbuild"
import { bundleOptions } from "../scripts/bundleOptions.mjs"
import { type FakeMinimax } from "../fake/FakeMinimax.ts"
import { collectBenchGarbage, concurrentTurnsPeakMiB, currentRssMiB, firstStdoutByteMs, median, round } from "./measure.ts"
import { type BenchRow, benchMarkdown, benchTable } from "./report.ts"
import { fakeMinimax, makePlexumHome, PAY_KEY, PLUGIN_ARGS, PLUGIN_MAIN, pluginEnv, ROOT } from "../test/support/plugin.ts"

const COLD_STARTS = 15
const IDLE_RUNS = 5
/** Peak RSS moves ±15 MiB run to run on this VM: more runs than the other rows. */
const PEAK_RUNS = 9

const out = join(ROOT, "bench/.out/floors")
const effectSdkDir = join(out, "effect-sdk")
rmSync(out, { recursive: true, force: true })
mkdirSync(effectSdkDir, { recursive: true })
await build({ ...bundleOptions, sourcemap: false, entryPoints: { plugin: join(ROOT, "bench/floors/effectSdk.ts") }, outdir: effectSdkDir, chunkNames: "chunks/[name]-[hash]" })
copyFileSync(join(ROOT, "scripts/launcher.mjs"), join(effectSdkDir, "main.js"))

const subjects = [
  { name: "bare Node floor", main: join(ROOT, "bench/floors/bareNode.mjs") },
  { name: "effect + SDK floor", main: join(effectSdkDir, "main.js") },
  { name: "plugin", main: PLUGIN_MAIN }
]
const flags = PLUGIN_ARGS.slice(0, -1)

const program = Effect.gen(function*() {
  const fake: FakeMinimax = yield* fakeMinimax()
  const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
  const env = pluginEnv(home)
  const start = (main: string) =>
    Effect.gen(function*() {
      const host = yield* connect(process.execPath, [...flags, main], { env, cwd: ROOT, recordStdout: false })
      yield* host.initialize()
      return host
    })

  const bareFirstByte: Array<number> = []
  const cold = subjects.map((): Array<number> => [])
  for (let i = 0; i < COLD_STARTS; i++) {
    collectBenchGarbage()
    bareFirstByte.push(yield* firstStdoutByteMs(env))
    for (const [s, subject] of subjects.entries()) {
      collectBenchGarbage()
      const began = performance.now()
      yield* Effect.scoped(Effect.tap(start(subject.main), () => Effect.sync(() => cold[s]!.push(performance.now() - began))))
    }
  }
  // The programs alternate run by run, as in b: this VM's state drifts.
  const idle = subjects.map((): Array<number> => [])
  for (let run = 0; run < IDLE_RUNS; run++) {
    for (const [s, subject] of subjects.entries()) {
      idle[s]!.push(yield* Effect.scoped(Effect.gen(function*() {
        const host = yield* start(subject.main)
        yield* Effect.sleep(1_000)
        return currentRssMiB(host.pid)
      })))
    }
  }
  const peaks = subjects.map((): Array<number> => [])
  for (let run = 0; run < PEAK_RUNS; run++) {
    for (const [s, subject] of subjects.entries()) {
      peaks[s]!.push(yield* Effect.scoped(Effect.flatMap(start(subject.main), (host) => concurrentTurnsPeakMiB(fake, host))))
    }
  }
  const bare = median(bareFirstByte)
  const rows: Array<BenchRow> = [{ name: `b. bare node to its first stdout byte (median of ${COLD_STARTS}, ms)`, value: `${round(bare)}`, target: "", pass: true }]
  for (const [s, subject] of subjects.entries()) {
    const ratio = median(cold[s]!) / bare
    rows.push(
      { name: `b. ${subject.name}: spawn → initialize (ms)`, value: `${round(median(cold[s]!))}`, target: "", pass: true },
      { name: `b. ${subject.name} ÷ bare node's first stdout byte`, value: `${round(ratio, 2)}`, target: "≤ 2.2", pass: ratio <= 2.2 }
    )
  }
  for (const [s, subject] of subjects.entries()) {
    rows.push({ name: `idle. ${subject.name}: RSS 1 s after initialize (median of ${IDLE_RUNS}, MiB)`, value: `${round(median(idle[s]!))}`, target: "≤ 56", pass: median(idle[s]!) <= 56 })
  }
  for (const [s, subject] of subjects.entries()) {
    const values = peaks[s]!
    rows.push({ name: `c. ${subject.name}: peak RSS, 32 concurrent turns (median of ${PEAK_RUNS}; range ${round(Math.min(...values))}–${round(Math.max(...values))}, MiB)`, value: `${round(median(values))}`, target: "≤ 128", pass: median(values) <= 128 })
  }
  return rows
})

const rows = await Effect.runPromise(Effect.scoped(program))
process.stdout.write(`${benchTable(rows)}\n`)
const markdown = benchMarkdown(rows, [
  `date: ${new Date().toISOString()}`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${round(totalmem() / 2 ** 30)} GiB`,
  `node: ${process.version}, each program started with the manifest's flags: \`${flags.join(" ")}\``,
  "what each floor program does: bench/floors.ts and the programs' own headers"
], { title: "Floors: the same rows for minimal programs", writtenBy: "`npm run bench:floors -- --write` (bench/floors.ts)" })
writeFileSync(join(ROOT, "bench/.out/floors.md"), markdown)
if (process.argv.includes("--write")) writeFileSync(join(ROOT, "bench/FLOORS.md"), markdown)
