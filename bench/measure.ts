/**
 * What bench/run.ts and bench/floors.ts measure with: medians, the plugin's memory from /proc,
 * bare node's first stdout byte, a host that receives the bench turn as a host would, and the
 * peak memory of 32 of them at once.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import type { PluginHost } from "@plexum/sdk/host"
import { Effect, Stream } from "effect"
import type { FakeMinimax } from "../fake/FakeMinimax.ts"
import { userTurn } from "../test/support/plugin.ts"
import { bigTurn, bigTurnReply } from "./bigTurn.ts"

export const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
export const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

let gc: (() => void) | undefined

/**
 * A full collection of this process (host and fake upstream), before a timed measure of the
 * plugin: then the bench's own garbage is not collected in the middle of it. The first call
 * exposes V8's `gc`, so importing this module changes nothing (the soak test imports it).
 */
export const collectBenchGarbage = () => {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  }
  gc()
}

/** A memory figure of /proc/<pid>/status in MiB: VmRSS now, VmHWM the peak. */
const statusMiB = (pid: number, field: "VmRSS" | "VmHWM") => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return match === null ? 0 : Number(match[1]) / 1024
}
export const currentRssMiB = (pid: number) => statusMiB(pid, "VmRSS")

/** Bare node's time from spawn to its first stdout byte, with the environment the plugin gets. */
export const firstStdoutByteMs = (env: NodeJS.ProcessEnv) =>
  Effect.callback<number>((resume) => {
    const start = performance.now()
    const child = spawn(process.execPath, ["-e", "process.stdout.write('x')"], { env, stdio: ["ignore", "pipe", "ignore"] })
    child.stdout.once("data", () => resume(Effect.succeed(performance.now() - start)))
  })

export const peakRssMiB = (pid: number) => statusMiB(pid, "VmHWM")

/**
 * Receives a turn the way a host relays one: every event read as it arrives and not kept,
 * the deltas folded into the text and thinking, the seq checked, and the response awaited.
 */
export const receiveTurn = (host: PluginHost, turnId: string) =>
  Effect.gen(function*() {
    const handle = yield* host.turn(turnId, userTurn("bench"))
    let events = 0
    let text = ""
    let thinking = ""
    yield* Stream.runForEachArray(handle.events, (batch) =>
      Effect.sync(() => {
        for (const { seq, event } of batch) {
          if (seq !== events++) throw new Error(`seq ${seq} arrived as event ${events - 1}`)
          if (event.type === "text_delta") text += event.text
          else if (event.type === "thinking_delta") thinking += event.thinking
        }
      }))
    const result = yield* handle.result
    const expected = [
      { type: "thinking", thinking: bigTurn.expected.thinking, signature: bigTurn.expected.signature },
      { type: "text", text: bigTurn.expected.text }
    ]
    if (JSON.stringify(result.content) !== JSON.stringify(expected)) return yield* Effect.die(new Error("the response's blocks differ from the upstream's"))
    return { events, text, thinking }
  })

/** The peak RSS of `host`'s plugin across 32 concurrent bench turns, each checked whole (bench row c). */
export const concurrentTurnsPeakMiB = (fake: FakeMinimax, host: PluginHost) =>
  Effect.gen(function*() {
    for (let i = 0; i < 32; i++) fake.script(bigTurnReply)
    const concurrent = yield* Effect.forEach(Array.from({ length: 32 }, (_, i) => i), (i) => receiveTurn(host, `c${i}`), { concurrency: "unbounded" })
    if (concurrent.some((turn) => turn.text !== bigTurn.expected.text || turn.thinking !== bigTurn.expected.thinking)) {
      return yield* Effect.die(new Error("a concurrent turn has the wrong content"))
    }
    return peakRssMiB(host.pid)
  })
