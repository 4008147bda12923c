/**
 * The failure table of minimax-upstream.md §5, on plain values: every row, with and without a
 * code in the message, with MiniMax's `/anthropic` bodies that carry no code and no `http_code`,
 * the non-JSON bodies, and the key never surviving into a failure (stream faults' failures included).
 */
import { assert, describe, it } from "@effect/vitest"
import { failureFromErrorBody, failureFromHttp, type FailureContext } from "../../src/failures/classify.ts"
import { failureOfFault } from "../../src/turn/failureOfFault.ts"
import type { MinimaxFailure } from "../../src/failures/MinimaxFailure.ts"
import { secretScrubber } from "../../src/failures/scrubSecret.ts"
import { resetDelayMs } from "../../src/failures/upstreamAnswer.ts"
import { MINIMAX_ERROR_TABLE } from "../support/minimaxErrorTable.ts"

const KEY = "sk-cp-SECRETkey0123456789abcdefXYZ"
const context: FailureContext = { model: "MiniMax-M2.7-highspeed", region: "global", authHeader: "bearer", scrub: secretScrubber(KEY) }
const NOW = Date.parse("2026-05-15T12:00:00Z")

const envelope = (type: string, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "error", error: { type, message, ...extra }, request_id: "0559aa" })

const http = (status: number, body: string, headers: Record<string, string> = {}): MinimaxFailure =>
  failureFromHttp({ url: "https://api.minimax.io/anthropic/v1/messages", status, headers, body, nowMs: NOW }, context)

const summary = (failure: MinimaxFailure) => [failure._tag, failure.retryable, failure.upstream?.code] as const


describe("failureFromHttp: the table of §5", () => {
  for (const [code, status, message, tag, retryable] of MINIMAX_ERROR_TABLE) {
    it(`${code ?? "no code"} over HTTP ${status} is ${tag}${retryable ? ", retryable" : ""}`, () => {
      const failure = http(status, envelope("api_error", message, { http_code: String(status) }), { "trace-id": "t-1" })
      assert.deepStrictEqual(summary(failure), [tag, retryable, code])
      assert.strictEqual(failure.upstream?.httpStatus, status)
      assert.strictEqual(failure.upstream?.requestId, "0559aa")
      assert.isString(failure.hint)
    })
  }

  it("the code decides, not the status: 2061 over HTTP 500 is not retryable", () => {
    assert.deepStrictEqual(summary(http(500, envelope("api_error", "your current token plan not support model, X (2061)"))), ["ModelNotInPlan", false, 2061])
  })
})

describe("bodies with no code and no http_code (real /anthropic 401s, §5 corrected)", () => {
  const CASES: ReadonlyArray<readonly [number, string, string, MinimaxFailure["_tag"], boolean]> = [
    [401, "authentication_error", "login fail: Please carry the API secret key in the 'Authorization' field of the request header", "AuthFailed", false],
    [401, "authorized_error", "login fail: Please carry the API secret key in the 'X-Api-Key' field of the request header", "AuthFailed", false],
    [400, "invalid_request_error", "messages must not be empty", "InvalidRequest", false],
    [400, "bad_request_error", "invalid params", "InvalidRequest", false],
    [429, "rate_limit_error", "too many requests", "RateLimited", true],
    [529, "overloaded_error", "server cluster is under high load", "Overloaded", true],
    [500, "api_error", "something broke", "UpstreamError", true],
    [402, "insufficient_balance_error", "insufficient balance", "InsufficientBalance", false]
  ]
  for (const [status, type, message, tag, retryable] of CASES) {
    it(`HTTP ${status} ${type} is ${tag}`, () => {
      const failure = http(status, envelope(type, message))
      assert.deepStrictEqual(summary(failure), [tag, retryable, undefined])
      assert.strictEqual(failure.upstream?.type, type)
      assert.strictEqual(failure.upstream?.message, message)
    })
  }

  it("with no status to go by (an SSE error event or a 200 body), the error type decides", () => {
    const byType = (type: string) => failureFromErrorBody({ type, message: "x" }, context, NOW)._tag
    assert.deepStrictEqual(
      ["overloaded_error", "authentication_error", "invalid_request_error", "rate_limit_error", "insufficient_balance_error", "api_error"].map(byType),
      ["Overloaded", "AuthFailed", "InvalidRequest", "RateLimited", "InsufficientBalance", "UpstreamError"]
    )
  })

  it("a base_resp code decides like a message code", () => {
    const failure = failureFromErrorBody({ message: "insufficient balance (1008)", code: 1008 }, context, NOW, 200)
    assert.deepStrictEqual(summary(failure), ["InsufficientBalance", false, 1008])
    assert.strictEqual(failureFromErrorBody({ message: "no code in text", code: 1008 }, context, NOW)._tag, "InsufficientBalance")
  })
})

describe("bodies that are not JSON", () => {
  it("a 404 page: UpstreamError, not retryable, the hint names /anthropic", () => {
    const failure = http(404, "<html>404 page not found</html>")
    assert.deepStrictEqual(summary(failure), ["UpstreamError", false, undefined])
    assert.include(failure.hint, "/anthropic")
  })

  it("another 5xx: UpstreamError, retryable; a 503: UpstreamUnavailable", () => {
    assert.deepStrictEqual(summary(http(502, "Bad Gateway")), ["UpstreamError", true, undefined])
    assert.deepStrictEqual(summary(http(503, "unavailable")), ["UpstreamUnavailable", true, undefined])
  })

  it("retry-after and retry-after-ms are honoured, capped at a minute", () => {
    assert.strictEqual(http(429, "slow down", { "retry-after": "2" }).retryAfterMs, 2_000)
    assert.strictEqual(http(429, "slow down", { "retry-after-ms": "1500" }).retryAfterMs, 1_500)
    assert.strictEqual(http(429, "slow down", { "Retry-After": "3600" }).retryAfterMs, 60_000)
    assert.strictEqual(http(429, "slow down", { "retry-after": new Date(NOW + 5_000).toUTCString() }).retryAfterMs, 5_000)
  })

  it("hardening 13: a redirect is not retryable and names the target origin, never its path", () => {
    const failure = http(302, "", { location: `https://other.example.com:8443/anthropic/v1/messages?key=${KEY}` })
    assert.deepStrictEqual(summary(failure), ["UpstreamError", false, undefined])
    assert.include(failure.message, "https://other.example.com:8443")
    assert.include(failure.hint, "final URL")
    assert.notInclude(JSON.stringify(failure), "key=")
  })
})

describe("2056: the reset time", () => {
  it("hardening 15.4: the Z is read, so the delay is the same in any time zone", () => {
    const zone = process.env.TZ
    process.env.TZ = "Asia/Shanghai"
    try {
      assert.strictEqual(new Date(NOW).getTimezoneOffset(), -480, "the test runs 8 hours east of UTC")
      assert.strictEqual(resetDelayMs("resets at 2026-05-15T15:00:00Z (2056)", NOW), 3 * 3_600_000)
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
    assert.strictEqual(resetDelayMs("usage limit exceeded (1500/1500 used), resets at 2026-05-15T15:00:00Z (2056)", NOW), 3 * 3_600_000)
    assert.strictEqual(resetDelayMs("resets at 2026-05-15T21:00:00+08:00", NOW), 3_600_000)
    assert.strictEqual(resetDelayMs("resets at 2026-05-15 15:00:00", NOW), 3 * 3_600_000)
  })

  it("a used-up window is RateLimited, not retried, with retryAfterMs and the reset in the hint", () => {
    const failure = http(429, envelope("rate_limit_error", "usage limit exceeded (1500/1500 used), resets at 2026-05-15T15:00:00Z (2056)"))
    assert.deepStrictEqual([failure._tag, failure.retryable, failure.retryAfterMs], ["RateLimited", false, 3 * 3_600_000])
    // The reset in the machine's zone, named, as the probe writes times.
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
    assert.match(failure.hint ?? "", new RegExp(`resets at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(${zone.replace("/", "\\/")}\\)`))
    if (zone === "UTC" || zone === "Etc/UTC") assert.include(failure.hint, "2026-05-15 15:00")
  })
})

describe("hardening 2: the key never survives into a failure", () => {
  const leaks = (failure: MinimaxFailure) => {
    const text = JSON.stringify({ ...failure, message: failure.message })
    for (let i = 0; i + 12 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 12))) return KEY.slice(i, i + 12)
    return undefined
  }

  it("echoed in request_id, error.type, error.message, a trace-id header, or a long text body", () => {
    const echoes: ReadonlyArray<MinimaxFailure> = [
      http(401, JSON.stringify({ type: "error", error: { type: "authentication_error", message: "bad" }, request_id: `Bearer ${KEY}` })),
      http(401, JSON.stringify({ type: "error", error: { type: KEY, message: "bad" } })),
      http(401, JSON.stringify({ type: "error", error: { type: "x", message: `your key ${KEY} is wrong` } })),
      http(500, "oops", { "trace-id": KEY }),
      http(502, `${"x".repeat(95)} Authorization: Bearer ${KEY} ${"y".repeat(200)}`),
      failureOfFault({ _tag: "ErrorEvent", type: "api_error", message: `echo ${KEY}`, requestId: KEY }, context, NOW),
      failureOfFault({ _tag: "Malformed", message: `a "${KEY}" event is not JSON` }, context, NOW)
    ]
    for (const failure of echoes) assert.isUndefined(leaks(failure), JSON.stringify(failure))
  })

  it("also a run of 12 of the key's characters inside other text", () => {
    const failure = http(500, `prefix${KEY.slice(3, 20)}suffix`)
    assert.isUndefined(leaks(failure))
    assert.include(failure.upstream?.message, "prefix")
  })
})
