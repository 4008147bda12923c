/**
 * Chaos soak: many turns at once against the fake MiniMax with random 429, 529, cut
 * connections, stalls and garbage injected. `npm run soak` runs 1000 turns at concurrency 16;
 * test/soak.test.ts runs a shorter one in CI. It checks that every turn is answered exactly once,
 * every successful turn's content is right, sockets return to their baseline, and the plugin
 * still answers ping.
 */
import { Effect } from "effect"
import { minimaxError, type Reply } from "../fake/FakeMinimax.ts"
import { defaultTranscript, encodeSse } from "../fake/transcripts.ts"
import { fakeMinimax, PAY_KEY, pluginAgainst, userTurn } from "../test/support/plugin.ts"
import { peakRssMiB as peakRss, round } from "./measure.ts"

export interface SoakReport {
  readonly turns: number
  readonly concurrency: number
  readonly faultsInjected: Record<string, number>
  readonly succeeded: number
  readonly failuresByTag: Record<string, number>
  readonly answeredOnce: number
  readonly lostOrDoubled: number
  readonly wrongContent: number
  readonly durationMs: number
  readonly peakRssMiB: number
  readonly socketsBefore: number
  /** Connections the plugin still holds, idle, after the turns (undici's keep-alive pool). */
  readonly socketsWhileIdle: number
  readonly socketsAfter: number
  readonly aliveAfter: boolean
}

const FAULTS = ["429", "529", "cut", "stall", "garbage"] as const

const faultReply = (fault: typeof FAULTS[number], prompt: string): Reply => {
  const frames = defaultTranscript("MiniMax-M2.7", prompt).frames
  switch (fault) {
    case "429":
      return { kind: "error", status: 429, body: minimaxError(429, "rate_limit_error", "rate limit exceeded (1002)") }
    case "529":
      return { kind: "error", status: 529, body: minimaxError(529, "overloaded_error", "high traffic") }
    case "cut":
      return { kind: "sse", frames, cutAfterBytes: Math.floor(encodeSse(frames).length / 3), chunkSize: 256 }
    case "stall":
      return { kind: "sse", frames, stallAfterBytes: 400 }
    case "garbage":
      return { kind: "sse", raw: "event: message_start\ndata: {this is not json\n\n" }
  }
}

export const runSoak = (options: { readonly turns: number; readonly concurrency: number; readonly faultRate: number; readonly seed?: number }) =>
  Effect.gen(function*() {
    let seed = options.seed ?? 42
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const fake = yield* fakeMinimax()
    const host = yield* pluginAgainst(fake, PAY_KEY, { max_retries: 1, stream_idle_timeout_ms: 300, request_timeout_ms: 2000 })
    yield* Effect.sleep("50 millis")
    const socketsBefore = fake.openConnections()
    const faultsInjected: Record<string, number> = {}
    const failuresByTag: Record<string, number> = {}
    let succeeded = 0
    let wrongContent = 0
    const started = Date.now()

    yield* Effect.forEach(Array.from({ length: options.turns }, (_, i) => i), (i) =>
      Effect.gen(function*() {
        const prompt = `soak turn ${i}`
        if (random() < options.faultRate) {
          const fault = FAULTS[Math.floor(random() * FAULTS.length)]!
          faultsInjected[fault] = (faultsInjected[fault] ?? 0) + 1
          fake.script(faultReply(fault, prompt))
        }
        const result = yield* Effect.result(host.turnCollect(`s${i}`, userTurn(prompt)))
        if (result._tag === "Success") {
          succeeded++
          // a scripted fault may have been played to another turn, so compare with what this turn's prompt gives
          const expected = defaultTranscript("MiniMax-M2.7", prompt).expected
          const text = result.success.result.content.find((b) => b.type === "text")
          if (text?.type !== "text" || text.text !== expected.text) wrongContent++
        } else {
          const tag = (result.failure.data as { tag?: string } | undefined)?.tag ?? String(result.failure.code)
          failuresByTag[tag] = (failuresByTag[tag] ?? 0) + 1
        }
      }), { concurrency: options.concurrency, discard: true })

    const durationMs = Date.now() - started
    const peakRssMiB = round(peakRss(host.pid))
    const aliveAfter = (yield* Effect.result(host.request("ping", {})))._tag === "Success"
    // idle keep-alive connections are the pool's to keep; give it the time undici allows them (4 s)
    yield* Effect.sleep("4500 millis")
    const socketsWhileIdle = fake.openConnections()
    const responses = new Map<string, number>()
    for (const line of yield* host.stdoutLines) {
      const message = JSON.parse(line) as { id?: unknown; method?: string }
      if (message.method === undefined && message.id !== undefined) responses.set(String(message.id), (responses.get(String(message.id)) ?? 0) + 1)
    }
    // request ids 1 (initialize) and the final ping are not turns
    const turnResponses = [...responses.entries()].filter(([id]) => Number(id) > 1 && Number(id) <= options.turns + 1)
    const answeredOnce = turnResponses.filter(([, count]) => count === 1).length
    yield* host.shutdown
    yield* host.exited
    yield* Effect.sleep("100 millis")
    const report: SoakReport = {
      turns: options.turns,
      concurrency: options.concurrency,
      faultsInjected,
      succeeded,
      failuresByTag,
      answeredOnce,
      lostOrDoubled: options.turns - answeredOnce,
      wrongContent,
      durationMs,
      peakRssMiB,
      socketsBefore,
      socketsWhileIdle,
      socketsAfter: fake.openConnections(),
      aliveAfter
    }
    return report
  }).pipe(Effect.scoped)

if (import.meta.main) {
  const turns = Number(process.env.SOAK_TURNS ?? 1000)
  Effect.runPromise(runSoak({ turns, concurrency: 16, faultRate: 0.3 })).then((report) => {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n")
    const ok = report.lostOrDoubled === 0 && report.wrongContent === 0 && report.aliveAfter && report.socketsWhileIdle <= report.socketsBefore
    process.stdout.write(ok ? "soak: PASS\n" : "soak: FAIL\n")
    process.exitCode = ok ? 0 : 1
  })
}
