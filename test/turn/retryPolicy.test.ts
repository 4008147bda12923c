import { assert, describe, it } from "@effect/vitest"
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, retryDelayMs, shouldRetry } from "../../src/turn/retryPolicy.ts"

const failure = (retryable: boolean, retryAfterMs?: number) => ({ retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })

describe("retryPolicy", () => {
  it("retries only a retryable failure, before any event, while retries are left", () => {
    assert.isTrue(shouldRetry({ failure: failure(true), retries: 0, maxRetries: 2, eventsSent: false }))
    assert.isTrue(shouldRetry({ failure: failure(true), retries: 1, maxRetries: 2, eventsSent: false }))
    assert.isFalse(shouldRetry({ failure: failure(true), retries: 2, maxRetries: 2, eventsSent: false }), "no retries left")
    assert.isFalse(shouldRetry({ failure: failure(false), retries: 0, maxRetries: 2, eventsSent: false }), "not retryable")
    assert.isFalse(shouldRetry({ failure: failure(true), retries: 0, maxRetries: 2, eventsSent: true }), "an event was sent")
    assert.isFalse(shouldRetry({ failure: failure(true), retries: 0, maxRetries: 0, eventsSent: false }), "max_retries 0")
  })

  it("backs off 500 ms doubling to 8 s, within ±25 % jitter", () => {
    const expected = [500, 1000, 2000, 4000, 8000, 8000, 8000]
    expected.forEach((base, retries) => {
      assert.strictEqual(retryDelayMs(retries, undefined, 0.5), base, `retry ${retries + 1} at the middle of its jitter`)
      assert.strictEqual(retryDelayMs(retries, undefined, 0), Math.round(base * 0.75))
      assert.isBelow(retryDelayMs(retries, undefined, 0.999999), base * 1.25 + 1)
    })
    assert.strictEqual(FIRST_BACKOFF_MS, 500)
    assert.strictEqual(MAX_BACKOFF_MS, 8000)
  })

  it("waits at least what retry-after asked, never less than the back-off", () => {
    assert.strictEqual(retryDelayMs(0, 30_000, 0.5), 30_000)
    assert.strictEqual(retryDelayMs(3, 100, 0.5), 4000)
  })
})
