/**
 * SelfHeal on plain effects: what it retries, what it learns, and the warnings it gives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { AuthFailed, InvalidRequest, type MinimaxFailure, RateLimited } from "../../src/failures/MinimaxFailure.ts"
import { authHeaderRule, SelfHeal, thinkingOnRule } from "../../src/services/SelfHeal.ts"

const refusedNaming = (field: "Authorization" | "X-Api-Key") =>
  new AuthFailed({ message: "MiniMax did not accept the API key", retryable: false, upstream: { message: `login fail: Please carry the API secret key in the '${field}' field of the request header` } })

/** An upstream that accepts only `accepted()`, refusing anything else the way MiniMax names the other header. */
const upstream = (accepted: () => "bearer" | "x-api-key") => (mode: "bearer" | "x-api-key" | "both") =>
  Effect.suspend((): Effect.Effect<string, MinimaxFailure> =>
    mode === accepted() || mode === "both" ? Effect.succeed(mode) : Effect.fail(refusedNaming(accepted() === "bearer" ? "Authorization" : "X-Api-Key")))

const withWarnings = <A, E>(effect: Effect.Effect<A, E, SelfHeal>) =>
  Effect.gen(function*() {
    const warnings: Array<string> = []
    const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
      if (logLevel === "Warn") warnings.push(String(Array.isArray(message) ? message[0] : message))
    })
    const result = yield* Effect.result(effect.pipe(Effect.provide(Logger.layer([logger]))))
    return { result, warnings }
  }).pipe(Effect.provide(SelfHeal.layer))

describe("SelfHeal", () => {
  it.effect("learns the header MiniMax names, per scope, with one warning; goes back to the configured one with an accurate warning", () =>
    withWarnings(Effect.gen(function*() {
      const selfHeal = yield* SelfHeal
      let wanted: "bearer" | "x-api-key" = "x-api-key"
      const send = upstream(() => wanted)
      assert.strictEqual(yield* selfHeal.heal(authHeaderRule, "key-a", "bearer", send), "x-api-key")
      assert.strictEqual(yield* selfHeal.heal(authHeaderRule, "key-a", "bearer", send), "x-api-key", "learned: no second refusal")
      assert.strictEqual(yield* selfHeal.learned(authHeaderRule, "key-a", "bearer"), "x-api-key")
      assert.isUndefined(yield* selfHeal.learned(authHeaderRule, "key-b", "bearer"), "another key learns for itself")
      wanted = "bearer"
      assert.strictEqual(yield* selfHeal.heal(authHeaderRule, "key-a", "bearer", send), "bearer")
      assert.isUndefined(yield* selfHeal.learned(authHeaderRule, "key-a", "bearer"), "back to the configured value: nothing learned")
    })).pipe(Effect.map(({ warnings }) => {
      assert.strictEqual(warnings.length, 2)
      assert.include(warnings[0], `refused auth_header "bearer" and accepted "x-api-key"`)
      assert.include(warnings[1], `refused auth_header "x-api-key" and accepted "bearer" again`)
    })))

  it.effect("keeps the first failure when the alternative is refused too, and learns nothing", () =>
    withWarnings(Effect.gen(function*() {
      const selfHeal = yield* SelfHeal
      const attempts: Array<string> = []
      const failure = yield* Effect.flip(selfHeal.heal(authHeaderRule, "k", "bearer", (mode) => {
        attempts.push(mode)
        return Effect.fail(refusedNaming(mode === "bearer" ? "X-Api-Key" : "Authorization"))
      }))
      assert.deepStrictEqual(attempts, ["bearer", "x-api-key"])
      assert.include(failure.upstream?.message, "X-Api-Key")
      assert.isUndefined(yield* selfHeal.learned(authHeaderRule, "k", "bearer"))
    })).pipe(Effect.map(({ warnings }) => assert.deepStrictEqual(warnings, []))))

  it.effect("a failure the rule does not name is not retried; another failure after the switch still teaches the switch", () =>
    withWarnings(Effect.gen(function*() {
      const selfHeal = yield* SelfHeal
      let calls = 0
      yield* Effect.flip(selfHeal.heal(thinkingOnRule, "MiniMax-M3", "adaptive", () => {
        calls++
        return Effect.fail(new RateLimited({ message: "slow down", retryable: true }))
      }))
      assert.strictEqual(calls, 1)
      const refusal = new InvalidRequest({ message: "MiniMax rejected the request as invalid", retryable: false, upstream: { message: "thinking.type must be enabled or disabled (2013)" } })
      const failure = yield* Effect.flip(selfHeal.heal(thinkingOnRule, "MiniMax-M3", "adaptive", (value) =>
        Effect.fail(value === "adaptive" ? refusal : new RateLimited({ message: "slow down", retryable: true }))))
      assert.strictEqual(failure._tag, "RateLimited")
      assert.strictEqual(yield* selfHeal.learned(thinkingOnRule, "MiniMax-M3", "adaptive"), "enabled")
    })).pipe(Effect.map(({ warnings }) => assert.strictEqual(warnings.length, 1))))
})
