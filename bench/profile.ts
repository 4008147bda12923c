/**
 * `npm run profile`: runs the benchmark's 20k-event turn through the built plugin under
 * `--cpu-prof` and prints where the plugin's CPU time goes (self time per function).
 * The .cpuprofile is kept in bench/profiles/ for Chrome DevTools.
 *
 *   npm run profile -- [turns=20] [concurrency=1]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { connect } from "@plexum/sdk/host"
import { bigTurn, bigTurnReply } from "./bigTurn.ts"
import { fakeMinimax, makePlexumHome, PAY_KEY, PLUGIN_ARGS, pluginEnv, ROOT, userTurn } from "../test/support/plugin.ts"

const turns = Number(process.argv[2] ?? 20)
const concurrency = Number(process.argv[3] ?? 1)
const profileDir = join(ROOT, "bench/profiles")

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const selfTimes = (profile: CpuProfile): Array<readonly [string, number]> => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber + 1}`
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return [...totals.entries()].sort((a, b) => b[1] - a[1])
}

await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  rmSync(profileDir, { recursive: true, force: true })
  mkdirSync(profileDir, { recursive: true })
  const fake = yield* fakeMinimax()
  const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
  yield* Effect.scoped(Effect.gen(function*() {
    const host = yield* connect(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, ...PLUGIN_ARGS], { env: pluginEnv(home), cwd: ROOT })
    yield* host.initialize()
    for (let i = 0; i < turns; i++) fake.script(bigTurnReply)
    const start = performance.now()
    yield* Effect.forEach(Array.from({ length: turns }, (_, i) => i), (i) => host.turnCollect(`p${i}`, userTurn("profile")), { concurrency })
    process.stdout.write(`${turns} turns of ${bigTurn.frames.length} events in ${Math.round(performance.now() - start)} ms (host side)\n`)
    yield* host.shutdown
    yield* host.exited
  }))
})))

const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"))!
const rows = selfTimes(JSON.parse(readFileSync(join(profileDir, file), "utf8")) as CpuProfile)
const total = rows.reduce((sum, [, ms]) => sum + ms, 0)
process.stdout.write(`plugin CPU profile: ${Math.round(total)} ms sampled (${join("bench/profiles", file)})\n`)
for (const [name, ms] of rows.slice(0, 35)) process.stdout.write(`${ms.toFixed(1).padStart(9)} ms  ${(100 * ms / total).toFixed(1).padStart(5)} %  ${name}\n`)
