/**
 * What an adversarial upstream or host did to the plugin (hardening round 2), each case through the
 * spawned plugin and the fake MiniMax. Item 9 (JSON-RPC ids and lines) is protocol-only and
 * lives in packages/plexum-sdk/test/Server.test.ts; items 3, 10 and 11 also have unit tests in
 * test/services/PluginConfig.test.ts, and item 2 in test/failures/classify.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import type { PluginHost } from "@plexum/sdk/host"
import { Effect, Fiber, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { symlinkSync } from "node:fs"
import { dirname } from "node:path"
import { minimaxError } from "../../fake/FakeMinimax.ts"
import { encodeSse, hex, messageEnd, messageStart, ping, textBlock, thinkingThenText, toolUseBlock } from "../../fake/transcripts.ts"
import {
  assertWellFormed,
  fakeMinimax,
  makePlexumHome,
  PAY_KEY,
  pluginAgainst,
  pluginEnv,
  runCommand,
  spawnPlugin,
  PLUGIN_MAIN,
  TOKEN_PLAN_KEY,
  userTurn
} from "../support/plugin.ts"

const elapsedSince = (start: number) => performance.now() - start

/** Every run of 12 characters of `key` that appears in `text`. */
const keyWindowsIn = (text: string, key: string) => {
  const found: Array<string> = []
  for (let i = 0; i + 12 <= key.length; i++) if (text.includes(key.slice(i, i + 12))) found.push(key.slice(i, i + 12))
  return found
}

describe("hardening 1: tool arguments survive exactly", () => {
  it.live("numbers a double cannot hold reach the host and go back upstream as they were written", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const raw = `{"message_id": 1234567890123456789, "big": 1e400, "ok": 1.5}`
      fake.script({
        kind: "sse",
        frames: [
          messageStart("MiniMax-M2.7", hex("exact", 32)),
          ...toolUseBlock(0, "call_function_exact_1", "send", ["", raw.slice(0, 20), raw.slice(20)]),
          ...messageEnd("tool_use", { input_tokens: 3, output_tokens: 4 })
        ]
      })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      yield* host.turnCollect("t1", userTurn("send it"))
      const lines = (yield* host.stdoutLines).join("\n")
      const exact = `"input":{"message_id":1234567890123456789,"big":1e400,"ok":1.5}`
      assert.include(lines.split("\n").find((l) => l.includes("block_stop")), exact, "block_stop.block.input")
      assert.include(lines.split("\n").find((l) => l.includes(`"result":{"turnId":"t1"`)), exact, "TurnResult.content")

      yield* host.writeRaw(
        `{"jsonrpc":"2.0","id":99,"method":"provider/turn","params":{"turnId":"t2","request":{"model":"MiniMax-M2.7","messages":[` +
          `{"role":"user","content":"send it"},` +
          `{"role":"assistant","content":[{"type":"tool_use","id":"call_function_exact_1","name":"send","input":{"message_id":1234567890123456789,"big":1e400,"ok":1.5}}]},` +
          `{"role":"user","content":[{"type":"tool_result","toolUseId":"call_function_exact_1","content":"sent"}]}]}}}\n`
      )
      yield* Effect.sleep("1 second")
      assert.include(fake.requests[1]!.rawBody, `"input":{"message_id":1234567890123456789,"big":1e400,"ok":1.5}`)
    }).pipe(Effect.scoped))
})

describe("hardening 2: the key never leaves the plugin", () => {
  it.live("echoed in request_id, a trace-id header, error.type, an SSE error's request id, or a long text body", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const echo = `Bearer ${PAY_KEY}`
      fake.script(
        { kind: "error", status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "bad (2013)" }, request_id: echo } },
        { kind: "error", status: 400, body: minimaxError(400, "invalid_request_error", "bad (2013)"), headers: { "trace-id": echo } },
        { kind: "error", status: 400, body: { type: "error", error: { type: echo, message: "bad (2013)" } } },
        { kind: "sse", frames: [messageStart("MiniMax-M2.7", hex("leak", 32)), ping(), { event: "error", data: { type: "error", error: { type: "api_error", message: "boom (1000)" }, request_id: echo } }] },
        { kind: "error", status: 502, body: `${"x".repeat(100)}${echo}${"y".repeat(300)}` }
      )
      const host = yield* pluginAgainst(fake, PAY_KEY, { max_retries: 0 }, { PLEXUM_LOG_LEVEL: "debug" })
      for (let i = 0; i < 5; i++) {
        const exit = yield* Effect.exit(host.turnCollect(`leak${i}`, userTurn("hi")))
        assert.strictEqual(exit._tag, "Failure", `turn ${i} fails`)
      }
      const everything = (yield* host.stdoutLines).join("\n") + (yield* host.stderr)
      assert.deepStrictEqual(keyWindowsIn(everything, PAY_KEY), [])
      assert.include(everything, "[redacted]", "the echo was seen and scrubbed")
    }).pipe(Effect.scoped))

  it.live("--probe --json on an upstream that echoes the key", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "error", status: 401, body: { type: "error", error: { type: "authentication_error", message: `no: ${PAY_KEY}` }, request_id: PAY_KEY } })
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      const probe = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--probe", "--json"], { env: pluginEnv(home, { PLEXUM_LOG_LEVEL: "debug" }) })
      assert.deepStrictEqual(keyWindowsIn(probe.stdout + probe.stderr, PAY_KEY), [])
    }).pipe(Effect.scoped))
})

describe("hardening 3: exit on time whatever the host does", () => {
  const EXITS: ReadonlyArray<readonly [string, (host: PluginHost) => Effect.Effect<void>, "pause" | "close"]> = [
    ["SIGTERM with stdout not drained", (host) => host.kill("SIGTERM"), "pause"],
    ["stdin EOF with stdout not drained", (host) => host.closeStdin, "pause"],
    ["SIGTERM with stdout closed", (host) => host.kill("SIGTERM"), "close"],
    ["stdin EOF with stdout closed", (host) => host.closeStdin, "close"],
    ["shutdown with stdout not drained", (host) => Effect.asVoid(Effect.forkDetach(host.shutdown)), "pause"],
    ["shutdown with stdout closed", (host) => Effect.asVoid(Effect.forkDetach(host.shutdown)), "close"]
  ]
  for (const [name, stop, output] of EXITS) {
    it.live(`${name}: exit 0 within 2 s`, () =>
      Effect.gen(function*() {
        const fake = yield* fakeMinimax()
        const big = thinkingThenText({ model: "MiniMax-M2.7", thinking: "t".repeat(50_000), text: "x".repeat(2_000_000), seed: "big", pieceSize: 8 })
        fake.script({ kind: "sse", frames: big.frames })
        const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, {}, {}, { recordStdout: false })
        yield* output === "pause" ? host.pauseOutput : host.closeOutput
        yield* host.turn("busy", userTurn("a long answer"))
        yield* Effect.sleep("1500 millis")
        const start = performance.now()
        yield* stop(host)
        const exit = yield* host.exited
        assert.deepStrictEqual(exit, { code: 0, signal: null })
        assert.isBelow(elapsedSince(start), 2_000)
      }).pipe(Effect.scoped))
  }

  it.live("a config.json that is a FIFO or links to /dev/zero: initialize, ping and shutdown answer, turns fail ConfigInvalid", () =>
    Effect.gen(function*() {
      for (const make of [(path: string) => execFileSync("mkfifo", [path]), (path: string) => symlinkSync("/dev/zero", path)]) {
        const { configPath, home } = makePlexumHome()
        make(configPath)
        const host = yield* spawnPlugin(pluginEnv(home))
        const start = performance.now()
        const init = yield* host.initialize()
        assert.isAbove(init.models.length, 0)
        yield* host.request("ping", {})
        const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
        assert.strictEqual((failure.data as { tag: string }).tag, "ConfigInvalid")
        assert.include(failure.message, "not a regular file")
        yield* host.shutdown
        assert.deepStrictEqual(yield* host.exited, { code: 0, signal: null })
        assert.isBelow(elapsedSince(start), 5_000)
        assert.strictEqual(dirname(configPath).length > 0, true)
      }
    }).pipe(Effect.scoped))
})

describe("hardening 4: the idle watchdog counts complete SSE lines", () => {
  it.live("a proxy trickling one byte every 300 ms, never finishing a line, is a Timeout near the configured second", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "trickle", everyMs: 300 })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { stream_idle_timeout_ms: 1_000, max_retries: 0 })
      const start = performance.now()
      const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
      assert.strictEqual((failure.data as { tag: string }).tag, "Timeout")
      assert.isBelow(elapsedSince(start), 4_000)
    }).pipe(Effect.scoped))
})

describe("hardening 5: retryable failures before the first event are retried", () => {
  it.live("an overloaded_error as the stream's first event, then a good stream: one turn, two requests", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "sse", frames: [{ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "high load" } } }] })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hi"))
      assertWellFormed(events)
      assert.strictEqual(result.stopReason, "end_turn")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.scoped))

  it.live("a connection cut right after the headers, then a good stream: one turn, two requests", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "sse", frames: thinkingThenText({ model: "MiniMax-M2.7", thinking: "t", text: "x" }).frames, cutAfterBytes: 0 })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const { events } = yield* host.turnCollect("t", userTurn("hi"))
      assertWellFormed(events)
      assert.strictEqual(fake.requests.length, 2)
      assert.strictEqual(events.filter((e) => e.event.type === "turn_start").length, 1)
    }).pipe(Effect.scoped))
})

describe("hardening 6: large legal input is served", () => {
  it.live("a text delta of 8 Mi characters", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const text = "a\"\\b".repeat(2 * 1024 * 1024)
      fake.script({
        kind: "sse",
        frames: [messageStart("MiniMax-M2.7", hex("huge", 32)), ...textBlock(0, [text]), ...messageEnd("end_turn", { input_tokens: 1, output_tokens: 1 })],
        chunkSize: 65536
      })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, {}, {}, { recordStdout: false })
      const { result } = yield* host.turnCollect("t", userTurn("hi"))
      assert.deepStrictEqual(result.content, [{ type: "text", text }])
    }).pipe(Effect.scoped))
})

describe("hardening 7 and 8: stop sequences", () => {
  const stopTurn = (pieces: ReadonlyArray<string>, stopSequences: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({
        kind: "sse",
        frames: [messageStart("MiniMax-M2.7", hex("stops", 32)), ...textBlock(0, pieces), ...messageEnd("end_turn", { input_tokens: 1, output_tokens: 1 })]
      })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      return yield* host.turnCollect("t", { ...userTurn("hi"), stopSequences: [...stopSequences] })
    }).pipe(Effect.scoped)

  it.live("overlapping sequences: the match that ends first wins, whatever the chunking", () =>
    Effect.gen(function*() {
      for (const pieces of [["xABCDy"], ["xABC", "Dy"], ["x", "A", "B", "C", "D", "y"]]) {
        const { result } = yield* stopTurn(pieces, ["ABCD", "BC"])
        assert.deepStrictEqual([result.stopReason, result.stopSequence, result.content], ["stop_sequence", "BC", [{ type: "text", text: "xA" }]], pieces.join("|"))
      }
      const tie = yield* stopTurn(["xAB", "CDy"], ["CD", "BCD"])
      assert.deepStrictEqual([tie.result.stopSequence, tie.result.content], ["BCD", [{ type: "text", text: "xA" }]], "a tie goes to the longest")
    }))

  it.live("1000 crafted sequences cost linear time: the turn finishes and ping answers meanwhile", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      // Every delta almost ends in every sequence's prefix: the worst case for matching one sequence at a time
      // (23 s with ping stalled 6.8 s, before the automaton).
      const sequences = Array.from({ length: 1000 }, (_, i) => `${"a".repeat(63)}${String.fromCharCode(0x4e00 + i)}`)
      fake.script({
        kind: "sse",
        frames: [
          messageStart("MiniMax-M2.7", hex("many", 32)),
          ...textBlock(0, Array.from({ length: 3000 }, () => `${"a".repeat(99)}c`)),
          ...messageEnd("end_turn", { input_tokens: 1, output_tokens: 1 })
        ]
      })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const handle = yield* host.turn("t", { ...userTurn("hi"), stopSequences: sequences })
      const start = performance.now()
      let slowestPing = 0
      const pinger = yield* Effect.forkChild(Effect.forever(Effect.gen(function*() {
        const sent = performance.now()
        yield* host.request("ping", {})
        slowestPing = Math.max(slowestPing, elapsedSince(sent))
        yield* Effect.sleep("50 millis")
      })))
      yield* Stream.runDrain(handle.events)
      const result = yield* handle.result
      yield* Fiber.interrupt(pinger)
      assert.strictEqual((result.content[0] as { text: string }).text.length, 300_000)
      assert.isBelow(slowestPing, 1_000, "ping stays responsive")
      assert.isBelow(elapsedSince(start), 10_000)
    }).pipe(Effect.scoped))
})

describe("hardening 10 and 11: local problems are ConfigInvalid, never the network", () => {
  const configFailure = (config: Record<string, unknown>) =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, config)
      const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
      assert.strictEqual(fake.requests.length, 0, "nothing reached the upstream")
      return { data: failure.data as { tag: string; message: string; retryable: boolean }, stderr: yield* host.stderr }
    }).pipe(Effect.scoped)

  it.live("10: a key ending in U+200B names the character and its position, and is not retried", () =>
    Effect.gen(function*() {
      const { data, stderr } = yield* configFailure({ api_key: `${TOKEN_PLAN_KEY}\u200b` })
      assert.deepStrictEqual([data.tag, data.retryable], ["ConfigInvalid", false])
      assert.include(data.message, `U+200B at position ${TOKEN_PLAN_KEY.length + 1}`)
      assert.deepStrictEqual(keyWindowsIn(JSON.stringify(data) + stderr, TOKEN_PLAN_KEY), [])
    }))

  it.live("11: a base_url with a query is refused with the reason", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { data } = yield* configFailure({ base_url: `${fake.baseUrl}?group=1` })
      assert.strictEqual(data.tag, "ConfigInvalid")
      assert.include(data.message, "query")
    }).pipe(Effect.scoped))
})

describe("hardening 12: a 200 whose body is JSON", () => {
  const json200 = (body: unknown) =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "error", status: 200, body })
      const host = yield* pluginAgainst(fake, PAY_KEY, { max_retries: 0 })
      return yield* Effect.exit(host.turnCollect("t", userTurn("hi")))
    }).pipe(Effect.scoped)

  it.live("an error envelope is its tag; a base_resp code is its code's tag", () =>
    Effect.gen(function*() {
      const envelope = yield* json200(minimaxError(200, "insufficient_balance_error", "insufficient balance (1008)"))
      const baseResp = yield* json200({ base_resp: { status_code: 1008, status_msg: "insufficient balance" } })
      const overloaded = yield* json200({ type: "error", error: { type: "overloaded_error", message: "busy" } })
      const tags = [envelope, baseResp, overloaded].map((exit) =>
        exit._tag === "Failure" ? ((exit.cause as any).reasons?.[0]?.error?.data?.tag ?? JSON.stringify(exit.cause)) : "success"
      )
      assert.deepStrictEqual(tags, ["InsufficientBalance", "InsufficientBalance", "Overloaded"])
    }))

  it.live("a whole non-streaming message is relayed as the events it holds", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({
        kind: "error",
        status: 200,
        body: {
          id: hex("whole", 32),
          type: "message",
          role: "assistant",
          model: "MiniMax-M2.7",
          content: [
            { type: "thinking", thinking: "hmm", signature: "ab".repeat(32) },
            { type: "text", text: "\n\nhello" },
            { type: "tool_use", id: "call_function_w_1", name: "f", input: { a: 1 } }
          ],
          stop_reason: "tool_use",
          usage: { input_tokens: 5, output_tokens: 7 },
          base_resp: { status_code: 0, status_msg: "success" }
        }
      })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hi"))
      assertWellFormed(events)
      assert.deepStrictEqual(result.content, [
        { type: "thinking", thinking: "hmm", signature: "ab".repeat(32) },
        { type: "text", text: "\n\nhello" },
        { type: "tool_use", id: "call_function_w_1", name: "f", input: { a: 1 } }
      ])
      assert.deepStrictEqual([result.stopReason, result.usage], ["tool_use", { inputTokens: 5, outputTokens: 7, costUsd: 0.0000099 }], "a pay-as-you-go key: 5 × 0.30 + 7 × 1.20 = 9.9 USD per million tokens")
    }).pipe(Effect.scoped))
})

describe("hardening 13 and 14: redirects and endless error bodies", () => {
  it.live("13: a redirect is not retried; the failure names the target origin and says to set the final URL", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "error", status: 301, body: "", headers: { location: `https://elsewhere.example.net/anthropic/v1/messages?token=${TOKEN_PLAN_KEY}` } })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 3 })
      const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
      const data = failure.data as { tag: string; retryable: boolean; message: string; hint: string }
      assert.deepStrictEqual([data.tag, data.retryable], ["UpstreamError", false])
      assert.include(data.message, "https://elsewhere.example.net")
      assert.include(data.hint, "final URL")
      assert.strictEqual(fake.requests.length, 1)
      assert.deepStrictEqual(keyWindowsIn(JSON.stringify(data), TOKEN_PLAN_KEY), [])
    }).pipe(Effect.scoped))

  it.live("14: a 5xx with an endless body is read up to 64 KiB, then the connection is dropped", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "endless", status: 500 })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 0 })
      const start = performance.now()
      const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
      assert.strictEqual((failure.data as { tag: string }).tag, "UpstreamError")
      assert.isBelow(elapsedSince(start), 3_000, "not the 5 s read window")
      yield* Effect.sleep("300 millis")
      assert.isTrue(fake.requests[0]!.closedByClient)
      assert.isBelow(fake.requests[0]!.bytesWritten, 16 * 1024 * 1024, "the body was not buffered")
    }).pipe(Effect.scoped))
})
