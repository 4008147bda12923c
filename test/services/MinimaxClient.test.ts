/**
 * The provider's HTTP path with a mocked HttpClient (no sockets): every row of the MiniMax
 * error table, retries, the auth self-heal and base_url handling.
 */
import type { TurnEvent, TurnRequest } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { encodeSse } from "../../fake/transcripts.ts"
import { minimaxError } from "../../fake/FakeMinimax.ts"
import { defaultTranscript } from "../../fake/transcripts.ts"
import { HttpClientMock, ProviderTest, testConfig } from "../../src/layers/Test.ts"
import { MINIMAX_ERROR_TABLE } from "../support/minimaxErrorTable.ts"
import { MinimaxProvider } from "../../src/MinimaxProvider.ts"
import type { MinimaxConfig } from "../../src/services/PluginConfig.ts"

const request: TurnRequest = { model: "MiniMax-M2.7", messages: [{ role: "user", content: "hi" }] }

const sseResponse = () =>
  new Response(encodeSse(defaultTranscript("MiniMax-M2.7", "hi").frames), { status: 200, headers: { "content-type": "text/event-stream" } })

/** Runs one turn over `responses` (the last repeats), collecting the requests it made. */
const runTurn = (responses: Array<() => Response>, config: Partial<MinimaxConfig> = {}, turn: TurnRequest = request) => {
  const seen: Array<{ url: string; headers: Record<string, string>; body: any }> = []
  const layer = ProviderTest(
    testConfig({ maxRetries: 0, ...config }),
    HttpClientMock(async (req) => {
      const body = req.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(req.body.body)) : undefined
      seen.push({ url: req.url, headers: req.headers as Record<string, string>, body })
      return responses[Math.min(seen.length - 1, responses.length - 1)]!()
    })
  )
  return Effect.gen(function*() {
    const provider = yield* MinimaxProvider
    const result = yield* Effect.result(Stream.runCollect(provider.turn(turn, { turnId: "t" })))
    return { result, seen }
  }).pipe(Effect.provide(layer))
}

const errorResponse = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers })


describe("MiniMax error table", () => {
  for (const [code, status, message, tag, retryable] of MINIMAX_ERROR_TABLE) {
    it.effect(`${code ?? "—"} over HTTP ${status} → ${tag}${retryable ? " (retryable)" : ""}`, () =>
      Effect.gen(function*() {
        const { result, seen } = yield* runTurn([errorResponse(status, minimaxError(status, "api_error", message), { "minimax-request-id": "req-123" })])
        assert.isTrue(result._tag === "Failure")
        const failure = result._tag === "Failure" ? result.failure : undefined!
        assert.strictEqual(failure._tag, tag)
        assert.strictEqual(failure.retryable, retryable)
        assert.strictEqual(failure.upstream?.httpStatus, status)
        assert.strictEqual(failure.upstream?.code, code)
        assert.isString(failure.upstream?.requestId)
        assert.isString(failure.hint)
        assert.strictEqual(seen.length, 1)
      }))
  }

  it.effect("hints name what to do", () =>
    Effect.gen(function*() {
      const hintOf = (status: number, body: unknown) =>
        runTurn([errorResponse(status, body)], {}, { ...request, model: "MiniMax-M2.7-highspeed" }).pipe(
          Effect.map(({ result }) => (result._tag === "Failure" ? result.failure.hint : "") ?? "")
        )
      const notInPlan = yield* hintOf(500, minimaxError(500, "api_error", "your current token plan not support model, MiniMax-M2.7-highspeed (2061)"))
      assert.include(notInPlan, "MiniMax-M2.7")
      assert.include(notInPlan, "sk-api-")
      const auth = yield* hintOf(401, minimaxError(401, "authorized_error", "login fail (1004)"))
      for (const word of ["key", "region", "auth_header"]) assert.include(auth, word)
      const balance = yield* hintOf(402, minimaxError(402, "insufficient_balance_error", "insufficient balance (1008)"))
      assert.include(balance, "Top up")
      assert.include(balance, "sk-cp-")
      const notFound = yield* hintOf(404, "404 page not found")
      assert.include(notFound, "/anthropic")
    }))

  it.effect("a non-JSON 404 is UpstreamError, not retryable; a non-JSON 502 is retryable", () =>
    Effect.gen(function*() {
      const notFound = yield* runTurn([errorResponse(404, "<html>404 page not found</html>")], { maxRetries: 2 })
      assert.deepStrictEqual(notFound.result._tag === "Failure" && [notFound.result.failure._tag, notFound.result.failure.retryable], ["UpstreamError", false])
      assert.strictEqual(notFound.seen.length, 1)
      const badGateway = yield* runTurn([errorResponse(502, "<html>Bad Gateway</html>")])
      assert.deepStrictEqual(badGateway.result._tag === "Failure" && [badGateway.result.failure._tag, badGateway.result.failure.retryable], ["UpstreamError", true])
    }))

  it.effect("2056 with a reset time carries retryAfterMs", () =>
    Effect.gen(function*() {
      const resetAt = new Date(Date.now() + 3_600_000).toISOString()
      const { result } = yield* runTurn([errorResponse(429, minimaxError(429, "rate_limit_error", `usage limit exceeded (1500/1500 used), resets at ${resetAt} (2056)`))])
      const failure = result._tag === "Failure" ? result.failure : undefined!
      assert.strictEqual(failure._tag, "RateLimited")
      assert.isAbove(failure.retryAfterMs ?? 0, 3_000_000)
    }))
})

describe("retries", () => {
  it.effect("529 once, then success: two requests, one turn_start", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(runTurn([errorResponse(529, minimaxError(529, "overloaded_error", "high traffic")), sseResponse], { maxRetries: 2 }))
      yield* TestClock.withLive(Effect.sleep("20 millis"))
      yield* TestClock.adjust("1 second")
      const { result, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      const events = result._tag === "Success" ? result.success : []
      assert.strictEqual(events.filter((e: TurnEvent) => e.type === "turn_start").length, 1)
    }))

  it.effect("repeated 429 ends as RateLimited, retryable, after max_retries + 1 requests", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(runTurn([errorResponse(429, minimaxError(429, "rate_limit_error", "rate limit (1002)"), { "retry-after": "2" })], { maxRetries: 2 }))
      for (let i = 0; i < 6; i++) {
        yield* TestClock.withLive(Effect.sleep("10 millis"))
        yield* TestClock.adjust("5 seconds")
      }
      const { result, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 3)
      assert.deepStrictEqual(result._tag === "Failure" && [result.failure._tag, result.failure.retryable], ["RateLimited", true])
    }))

  it.effect("401, 402 and 400 are never retried", () =>
    Effect.gen(function*() {
      for (const [status, message] of [[401, "x (1004)"], [402, "x (1008)"], [400, "x (2013)"]] as const) {
        const { seen } = yield* runTurn([errorResponse(status, minimaxError(status, "error", message))], { maxRetries: 3 })
        assert.strictEqual(seen.length, 1)
      }
    }))
})

describe("auth", () => {
  it.effect("sends Bearer only by default, anthropic-version, and no tracing headers", () =>
    Effect.gen(function*() {
      const { seen } = yield* runTurn([sseResponse])
      const headers = seen[0]!.headers
      assert.strictEqual(headers.authorization, "Bearer sk-cp-TESTKEYlayer0123456789abcdef")
      assert.isUndefined(headers["x-api-key"])
      assert.strictEqual(headers["anthropic-version"], "2023-06-01")
      assert.isUndefined(headers.traceparent)
      assert.isUndefined(headers.b3)
    }))

  it.effect("auth_header both sends both headers", () =>
    Effect.gen(function*() {
      const { seen } = yield* runTurn([sseResponse], { authHeader: "both" })
      assert.isString(seen[0]!.headers.authorization)
      assert.strictEqual(seen[0]!.headers["x-api-key"], "sk-cp-TESTKEYlayer0123456789abcdef")
    }))

  it.effect("a 401 naming X-Api-Key is retried once with it and then kept", () =>
    Effect.gen(function*() {
      const seen: Array<Record<string, string>> = []
      const layer = ProviderTest(testConfig({ maxRetries: 0 }), HttpClientMock((req) => {
        const headers = req.headers as Record<string, string>
        seen.push(headers)
        return headers["x-api-key"] === undefined
          ? errorResponse(401, minimaxError(401, "authorized_error", "login fail: Please carry the API secret key in the 'X-Api-Key' field of the request header (1004)"))()
          : sseResponse()
      }))
      yield* Effect.gen(function*() {
        const provider = yield* MinimaxProvider
        yield* Stream.runCollect(provider.turn(request, { turnId: "a" }))
        yield* Stream.runCollect(provider.turn(request, { turnId: "b" }))
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(seen.map((h) => [h.authorization !== undefined, h["x-api-key"] !== undefined]), [[true, false], [false, true], [false, true]])
    }))
})

describe("base_url", () => {
  it.effect("posts to {base}/v1/messages whatever the trailing / or /v1", () =>
    Effect.gen(function*() {
      const { normaliseBaseUrl } = yield* Effect.promise(() => import("../../src/services/PluginConfig.ts"))
      for (const raw of ["https://api.minimax.io/anthropic", "https://api.minimax.io/anthropic/", "https://api.minimax.io/anthropic/v1", "https://api.minimax.io/anthropic/v1/"]) {
        const base = normaliseBaseUrl(raw)
        assert.isTrue(base.ok)
        const { seen } = yield* runTurn([sseResponse], { baseUrl: base.ok ? base.url : "" })
        assert.strictEqual(seen[0]!.url, "https://api.minimax.io/anthropic/v1/messages")
      }
      assert.isFalse(normaliseBaseUrl("http://api.minimax.io/anthropic").ok)
      assert.isTrue(normaliseBaseUrl("http://127.0.0.1:8080/anthropic").ok)
      const pasted = normaliseBaseUrl("sk-cp-abcdefghijklmnop")
      assert.isFalse(pasted.ok)
      assert.notInclude(pasted.ok ? "" : pasted.why, "abcdefghijklmnop")
    }))
})
