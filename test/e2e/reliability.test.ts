/**
 * Reliability through the spawned plugin and the fake MiniMax: retries, watchdogs,
 * cancellation, concurrency, bad input, shutdown with turns in flight, secrets.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { minimaxError } from "../../fake/FakeMinimax.ts"
import { defaultTranscript, encodeSse, thinkingThenText } from "../../fake/transcripts.ts"
import { assertWellFormed, EMPTY_KEY, fakeMinimax, makePlexumHome, PAY_KEY, pluginAgainst, pluginEnv, spawnPlugin, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const failureOf = (error: { readonly data?: unknown }) => error.data as { tag: string; retryable: boolean; message: string }

describe("retries before the first event", () => {
  it.live("529 once, then success: two upstream requests and one turn_start", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "error", status: 529, body: minimaxError(529, "overloaded_error", "The server cluster is under high load") })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hello"))
      assert.strictEqual(fake.requests.length, 2)
      assert.strictEqual(events.filter((e) => e.event.type === "turn_start").length, 1)
      assert.strictEqual(result.stopReason, "end_turn")
    }).pipe(Effect.scoped))

  it.live("repeated 429 ends as RateLimited, retryable, after max_retries + 1 requests", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const limited = { kind: "error" as const, status: 429, body: minimaxError(429, "rate_limit_error", "rate limit exceeded (1002)") }
      fake.script(limited, limited, limited, limited, limited)
      const host = yield* pluginAgainst(fake, PAY_KEY, { max_retries: 2 })
      const error = yield* Effect.flip(host.turnCollect("t", userTurn("hello")))
      assert.strictEqual(error.code, -32001)
      assert.deepStrictEqual([failureOf(error).tag, failureOf(error).retryable], ["RateLimited", true])
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.scoped))
})

describe("watchdogs", () => {
  it.live("a stalled stream ends as Timeout near the configured idle time", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const frames = defaultTranscript("MiniMax-M2.7", "stall").frames
      fake.script({ kind: "sse", frames, stallAfterBytes: encodeSse(frames.slice(0, 4)).length })
      const host = yield* pluginAgainst(fake, PAY_KEY, { stream_idle_timeout_ms: 600 })
      const start = Date.now()
      const handle = yield* host.turn("t", userTurn("stall"))
      const events = yield* Stream.runCollect(handle.events)
      const error = yield* Effect.flip(handle.result)
      const elapsed = Date.now() - start
      assert.strictEqual(failureOf(error).tag, "Timeout")
      assert.isAbove(events.length, 0)
      assert.isAtLeast(elapsed, 550)
      assert.isBelow(elapsed, 2_500)
    }).pipe(Effect.scoped))

  it.live("no response headers within request_timeout_ms is a Timeout", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "hang" })
      const host = yield* pluginAgainst(fake, PAY_KEY, { request_timeout_ms: 400, max_retries: 0 })
      const error = yield* Effect.flip(host.turnCollect("t", userTurn("x")))
      assert.strictEqual(failureOf(error).tag, "Timeout")
    }).pipe(Effect.scoped))

  it.live("a connection cut mid-stream ends as UpstreamUnavailable or UpstreamProtocol, without a hang", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const frames = defaultTranscript("MiniMax-M2.7", "cut").frames
      fake.script({ kind: "sse", frames, cutAfterBytes: Math.floor(encodeSse(frames).length / 2), chunkSize: 200 })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const error = yield* Effect.flip(host.turnCollect("t", userTurn("cut")))
      assert.include(["UpstreamUnavailable", "UpstreamProtocol"], failureOf(error).tag)
      fake.script({ kind: "reset" }, { kind: "reset" }, { kind: "reset" })
      const reset = yield* Effect.flip(host.turnCollect("t2", userTurn("x")))
      assert.strictEqual(failureOf(reset).tag, "UpstreamUnavailable")
    }).pipe(Effect.scoped))
})

describe("cancellation and shutdown", () => {
  it.live("$/cancel is answered -32800 within 500 ms and the fake sees its socket close", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const frames = thinkingThenText({ model: "MiniMax-M2.7", thinking: "slow ".repeat(200), text: "done", seed: "slow" }).frames
      fake.script({ kind: "sse", frames, chunkSize: 40, delayMs: 20 })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const handle = yield* host.turn("slow", userTurn("slow"))
      yield* Effect.sleep("150 millis")
      const start = Date.now()
      yield* host.cancel("slow")
      const error = yield* Effect.flip(handle.result)
      assert.strictEqual(error.code, -32800)
      assert.deepStrictEqual(error.data, { tag: "Cancelled" })
      assert.isBelow(Date.now() - start, 500)
      yield* Effect.sleep("100 millis")
      assert.isTrue(fake.requests[0]!.closedByClient)
      yield* host.cancel("no-such-turn")
      assert.deepStrictEqual(yield* host.request("ping", {}), {})
    }).pipe(Effect.scoped))

  it.live("a turnId already in flight is refused with -32602", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "sse", frames: defaultTranscript("MiniMax-M2.7", "a").frames, chunkSize: 50, delayMs: 20 })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const first = yield* host.turn("same", userTurn("a"))
      const error = yield* Effect.flip(host.turnCollect("same", userTurn("b")))
      assert.strictEqual(error.code, -32602)
      const result = yield* first.result
      assert.strictEqual(result.turnId, "same")
    }).pipe(Effect.scoped))

  it.live("SIGTERM with a turn in flight answers it -32800 and exits 0 within 2 s", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "hang" })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const handle = yield* host.turn("t", userTurn("x"))
      yield* Effect.sleep("100 millis")
      const start = Date.now()
      yield* host.kill("SIGTERM")
      const error = yield* Effect.flip(handle.result)
      assert.strictEqual(error.code, -32800)
      const exit = yield* host.exited
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.isBelow(Date.now() - start, 2_000)
    }).pipe(Effect.scoped))
})

describe("concurrency", () => {
  it.live("64 concurrent turns are all correct", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const results = yield* Effect.forEach(
        Array.from({ length: 64 }, (_, i) => i),
        (i) => host.turnCollect(`c${i}`, userTurn(`prompt number ${i}`)),
        { concurrency: "unbounded" }
      )
      results.forEach(({ events, result }, i) => {
        assertWellFormed(events)
        const expected = defaultTranscript("MiniMax-M2.7", `prompt number ${i}`)
        assert.deepStrictEqual(result.content, [
          { type: "thinking", thinking: expected.expected.thinking!, signature: expected.expected.signature! },
          { type: "text", text: expected.expected.text! }
        ])
      })
    }).pipe(Effect.scoped))
})

const MALFORMED_LINES: Array<[string, string]> = [
  ["non-JSON", "hello there"],
  ["truncated JSON", "{\"jsonrpc\":\"2.0\",\"id\":1,"],
  ["NUL bytes", "{\"jsonrpc\":\"2.0\",\u0000\"id\":2}"],
  ["deep nesting", "[".repeat(100_000) + "]".repeat(100_000)],
  ["deep object nesting", "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)],
  ["array batch", "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}]"],
  ["number", "12345"],
  ["string", "\"ping\""],
  ["missing jsonrpc", "{\"id\":4,\"method\":\"ping\"}"],
  ["wrong jsonrpc", "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}"],
  ["object id", "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}"],
  ["missing method", "{\"jsonrpc\":\"2.0\",\"id\":6}"],
  ["numeric method", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":42}"],
  ["string params", "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"provider/turn\",\"params\":\"x\"}"],
  ["array params", "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"provider/turn\",\"params\":[1]}"],
  ["turn without request", "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"provider/turn\",\"params\":{\"turnId\":\"x\"}}"],
  ["unknown block type", "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"provider/turn\",\"params\":{\"turnId\":\"x\",\"request\":{\"model\":\"MiniMax-M2.7\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}}}"],
  ["negative maxTokens", "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"provider/turn\",\"params\":{\"turnId\":\"x\",\"request\":{\"model\":\"MiniMax-M2.7\",\"messages\":[],\"maxTokens\":-1}}}"],
  ["empty tool name", "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"provider/turn\",\"params\":{\"turnId\":\"x\",\"request\":{\"model\":\"MiniMax-M2.7\",\"messages\":[],\"tools\":[{\"name\":\"\",\"inputSchema\":{}}]}}}"],
  ["wrong role", "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"provider/turn\",\"params\":{\"turnId\":\"x\",\"request\":{\"model\":\"MiniMax-M2.7\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}}}"],
  ["turnId number", "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"provider/turn\",\"params\":{\"turnId\":1,\"request\":{\"model\":\"MiniMax-M2.7\",\"messages\":[]}}}"],
  ["unknown method", "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"provider/nope\"}"],
  ["response object", "{\"jsonrpc\":\"2.0\",\"id\":17,\"result\":{}}"],
  ["BOM before junk", "\uFEFFjunk"],
  ["lone surrogate method", "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"\\ud800\"}"],
  ["bad cancel params", "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancel\",\"params\":{\"turnId\":5}}"]
]

describe("bad input", () => {
  it.live(`${MALFORMED_LINES.length} kinds of malformed lines each get a clear error, and the plugin keeps serving`, () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome({ api_key: PAY_KEY })
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      for (const [, line] of MALFORMED_LINES) yield* host.writeRaw(line + "\n")
      assert.deepStrictEqual(yield* host.request("ping", {}), {})
      const lines = (yield* host.stdoutLines).map((l) => JSON.parse(l))
      const errors = lines.filter((m) => m.error !== undefined)
      // every malformed request is answered (the two notifications, cancel and the bad-method line, are not)
      assert.isAtLeast(errors.length, MALFORMED_LINES.length - 1)
      for (const error of errors) {
        assert.include([-32700, -32600, -32601, -32602], error.error.code)
        assert.isString(error.error.message)
        assert.isAbove(error.error.message.length, 10)
      }
      const invalidParams = errors.filter((e) => e.error.code === -32602)
      for (const e of invalidParams) assert.isArray(e.error.data.issues)
    }).pipe(Effect.scoped))

  it.live("an 8 MiB request is served", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const big = "lorem ipsum ".repeat(Math.ceil((8 * 1024 * 1024) / 12))
      const { result } = yield* host.turnCollect("big", userTurn(big))
      assert.strictEqual(result.stopReason, "end_turn")
      assert.isAtLeast(fake.requests[0]!.rawBody.length, 8 * 1024 * 1024)
    }).pipe(Effect.scoped))
})

describe("secrets", () => {
  it.live("plain http:// to a non-loopback host is ConfigInvalid, without the key in the message", () =>
    Effect.gen(function*() {
      const { home, configPath } = makePlexumHome({ api_key: PAY_KEY, base_url: "http://api.minimax.io/anthropic" })
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const error = yield* Effect.flip(host.turnCollect("t", userTurn("x")))
      assert.strictEqual(failureOf(error).tag, "ConfigInvalid")
      assert.include(failureOf(error).message, configPath)
      assert.include(failureOf(error).message, "base_url")
      assert.notInclude(JSON.stringify(error), PAY_KEY)
    }).pipe(Effect.scoped))

  it.live("a redirect is not followed: the key never reaches another origin", () =>
    Effect.gen(function*() {
      const other = yield* fakeMinimax()
      const redirector = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<{ url: string; close: () => void }>((resolve) => {
            const server = createServer((_, response) => {
              response.writeHead(307, { location: `${other.baseUrl}/v1/messages` })
              response.end()
            })
            server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/anthropic`, close: () => server.close() }))
          })
        ),
        (r) => Effect.sync(r.close)
      )
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: redirector.url })
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const error = yield* Effect.flip(host.turnCollect("t", userTurn("x")))
      assert.strictEqual(error.code, -32001)
      assert.strictEqual(other.requests.length, 0)
    }).pipe(Effect.scoped))

  it.live("a config.json readable by others gets a chmod 600 warning on stderr", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome({ api_key: PAY_KEY }, 0o644)
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      yield* host.shutdown
      yield* host.exited
      const stderr = yield* host.stderr
      assert.include(stderr, "chmod 600")
      assert.strictEqual(stderr.split("chmod 600").length - 1, 1, "warned once")
    }).pipe(Effect.scoped))

  it.live("every failure scenario at debug level leaves the key out of all output", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      for (const key of [TOKEN_PLAN_KEY, PAY_KEY, EMPTY_KEY]) {
        const host = yield* pluginAgainst(fake, key, { max_retries: 0, stream_idle_timeout_ms: 300, request_timeout_ms: 300 }, { PLEXUM_LOG_LEVEL: "debug" })
        const frames = defaultTranscript("MiniMax-M2.7", "x").frames
        fake.script(
          { kind: "error", status: 529, body: minimaxError(529, "overloaded_error", `echo ${key}`) },
          { kind: "error", status: 401, body: minimaxError(401, "authorized_error", `login fail: invalid api key ${key} (1004)`) },
          { kind: "sse", frames, stallAfterBytes: 300 },
          { kind: "sse", frames, cutAfterBytes: 300 },
          { kind: "hang" },
          { kind: "error", status: 404, body: "404 page not found" }
        )
        for (let i = 0; i < 6; i++) yield* Effect.ignore(host.turnCollect(`f${i}`, userTurn("x")))
        yield* Effect.ignore(host.turnCollect("hs", userTurn("x", "MiniMax-M2.7-highspeed")))
        yield* host.shutdown
        yield* host.exited
        const output = (yield* host.stdoutLines).join("\n") + (yield* host.stderr)
        assert.include(output, "-32001")
        assert.notInclude(output, key)
      }
    }).pipe(Effect.scoped))
})

describe("backpressure", () => {
  it.live("when the host stops reading stdout, the plugin stops pulling from upstream, then finishes when it reads again", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      // More output than stdout's pipe, the plugin's queue and the loopback socket buffers hold, with deltas of one read joined.
      const huge = thinkingThenText({ model: "MiniMax-M2.7", thinking: "t".repeat(200_000), text: "x".repeat(8_000_000), seed: "huge", pieceSize: 64 })
      fake.script({ kind: "sse", raw: encodeSse(huge.frames), chunkSize: 16_384 })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      yield* host.pauseOutput
      const handle = yield* host.turn("bp", userTurn("huge"))
      yield* Effect.sleep("1500 millis")
      const record = fake.requests[0]!
      assert.isFalse(record.finished, "the fake could not write the whole stream while the host was not reading")
      assert.isFalse(record.closedByClient)
      yield* host.resumeOutput
      const result = yield* handle.result
      const text = result.content.find((b) => b.type === "text")
      assert.strictEqual(text?.type === "text" && text.text, huge.expected.text)
      assert.isTrue(record.finished)
    }).pipe(Effect.scoped), 60_000)
})
