/**
 * The fake MiniMax itself behaves as minimax-upstream.md §7 says, asked directly over loopback:
 * what it refuses (so that the plugin's repairs are shown to matter) and what it answers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { sha256Hex } from "../../fake/transcripts.ts"
import { fakeMinimax, PAY_KEY } from "../support/plugin.ts"

const post = (baseUrl: string, body: Record<string, unknown>) =>
  Effect.promise(async () => {
    const response = await fetch(`${baseUrl}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${PAY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }], ...body })
    })
    return { status: response.status, text: await response.text() }
  })

describe("the fake MiniMax (§7)", () => {
  it.live("refuses temperature out of the family's range with 2013", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      assert.include((yield* post(fake.baseUrl, { model: "MiniMax-M2.7", temperature: 0 })).text, "(2013)")
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M3", temperature: 0 })).status, 200)
      assert.include((yield* post(fake.baseUrl, { model: "MiniMax-M3", temperature: 2.5 })).text, "(2013)")
    }).pipe(Effect.scoped))

  it.live("takes images on M3 only", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const messages = [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "x" } }] }]
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M3", messages })).status, 200)
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M2.5", messages })).status, 400)
    }).pipe(Effect.scoped))

  it.live("refuses a signed thinking block whose signature does not match, and accepts it unsigned or rightly signed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const history = (block: Record<string, unknown>) => [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", ...block }, { type: "text", text: "x" }] },
        { role: "user", content: "more" }
      ]
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M2.7", messages: history({ signature: sha256Hex("other") }) })).status, 400)
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M2.7", messages: history({}) })).status, 200)
      assert.strictEqual((yield* post(fake.baseUrl, { model: "MiniMax-M2.7", messages: history({ signature: sha256Hex("t") }) })).status, 200)
    }).pipe(Effect.scoped))

  it.live("M3 thinks only when asked with the accepted on value; with the drift switch only enabled is accepted", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      assert.notInclude((yield* post(fake.baseUrl, { model: "MiniMax-M3" })).text, "thinking_delta")
      assert.include((yield* post(fake.baseUrl, { model: "MiniMax-M3", thinking: { type: "adaptive" } })).text, "thinking_delta")
      const drifted = yield* fakeMinimax({ m3ThinkingOn: "enabled" })
      assert.include(JSON.parse((yield* post(drifted.baseUrl, { model: "MiniMax-M3", thinking: { type: "adaptive" } })).text).error.message, `invalid thinking.type: "adaptive" (allowed: enabled, disabled)`)
      assert.include((yield* post(drifted.baseUrl, { model: "MiniMax-M3", thinking: { type: "enabled" } })).text, "thinking_delta")
    }).pipe(Effect.scoped))

  it.live("answers an unknown model id with its default model's id", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      assert.include((yield* post(fake.baseUrl, { model: "MiniMax-M9" })).text, `"model":"MiniMax-M2.7"`)
    }).pipe(Effect.scoped))
})
