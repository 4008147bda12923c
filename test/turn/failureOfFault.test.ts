/**
 * What each stream fault ends the turn with (the stream reports faults as data; the turn decides).
 */
import { assert, describe, it } from "@effect/vitest"
import type { FailureContext } from "../../src/failures/classify.ts"
import type { MinimaxFailure } from "../../src/failures/MinimaxFailure.ts"
import { secretScrubber } from "../../src/failures/scrubSecret.ts"
import { failureOfFault } from "../../src/turn/failureOfFault.ts"

const context: FailureContext = { model: "MiniMax-M2.7", region: "global", authHeader: "bearer", scrub: secretScrubber("sk-cp-SECRETkey0123456789abcdefXYZ") }
const NOW = Date.parse("2026-05-15T12:00:00Z")
const summary = (failure: MinimaxFailure) => [failure._tag, failure.retryable, failure.upstream?.code] as const

describe("stream faults", () => {
  it("a stream cut short is retryable; a malformed or oversized one is not; silence is a retryable Timeout", () => {
    const of = (fault: Parameters<typeof failureOfFault>[0]) => summary(failureOfFault(fault, context, NOW))
    assert.deepStrictEqual(of({ _tag: "Truncated", message: "the stream ended before message_start" }), ["UpstreamProtocol", true, undefined])
    assert.deepStrictEqual(of({ _tag: "Malformed", message: "not JSON" }), ["UpstreamProtocol", false, undefined])
    assert.deepStrictEqual(of({ _tag: "TooLarge", what: "event", limit: 16 }), ["UpstreamProtocol", false, undefined])
    assert.deepStrictEqual(of({ _tag: "TooLarge", what: "reply", limit: 4096 }), ["UpstreamProtocol", false, undefined])
    assert.deepStrictEqual(of({ _tag: "Silent", idleMs: 1000 }), ["Timeout", true, undefined])
    assert.deepStrictEqual(
      of({ _tag: "ErrorEvent", type: "overloaded_error", message: "server cluster is under high load (2064)", requestId: "r" }),
      ["Overloaded", true, 2064]
    )
  })

  it("an oversized event and an oversized reply say which, and the bound", () => {
    const event = failureOfFault({ _tag: "TooLarge", what: "event", limit: 16 }, context, NOW)
    const reply = failureOfFault({ _tag: "TooLarge", what: "reply", limit: 4096 }, context, NOW)
    assert.include(event.message, "an SSE event is larger than 16 characters")
    assert.include(reply.message, "reply passed 4096 characters")
    assert.include(reply.hint, "base_url")
  })
})

