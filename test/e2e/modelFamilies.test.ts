/**
 * Model families end to end (issue 13): the spawned plugin against the fake MiniMax, which
 * behaves as minimax-upstream.md §7 says (M3 thinks only when sent its accepted "on" value;
 * images on M3 only; temperature by family; signed thinking checked as SHA-256; an unknown id
 * answered by the default model).
 */
import type { ContentBlock, TurnRequest } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { assertWellFormed, fakeMinimax, PAY_KEY, pluginAgainst, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const image = { type: "image" as const, source: { type: "base64" as const, mediaType: "image/png", data: "iVBORw0KGgo=" } }
const failureData = (error: { readonly data?: unknown }) => error.data as { tag: string; message: string; hint?: string }

describe("MiniMax-M3", () => {
  it.live("thinks by default: the request carries thinking adaptive, and the turn has a thinking block", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hello", "MiniMax-M3"))
      assertWellFormed(events)
      assert.deepStrictEqual(fake.requests[0]!.body.thinking, { type: "adaptive" })
      assert.deepStrictEqual(result.content.map((b) => b.type), ["thinking", "text"])
    }).pipe(Effect.scoped))

  it.live("thinking disabled is sent as disabled, and M3 answers without thinking", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { result } = yield* host.turnCollect("t", { ...userTurn("hello", "MiniMax-M3"), thinking: { type: "disabled" } })
      assert.deepStrictEqual(fake.requests[0]!.body.thinking, { type: "disabled" })
      assert.deepStrictEqual(result.content.map((b) => b.type), ["text"])
    }).pipe(Effect.scoped))

  it.live("drift: MiniMax refuses adaptive, the plugin retries once with enabled, remembers it, and warns once", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ m3ThinkingOn: "enabled" })
      const host = yield* pluginAgainst(fake, PAY_KEY, { max_retries: 0 })
      const first = yield* host.turnCollect("t1", { ...userTurn("hello", "MiniMax-M3"), thinking: { type: "enabled", budgetTokens: 4096 } })
      assert.deepStrictEqual(first.result.content.map((b) => b.type), ["thinking", "text"])
      assert.deepStrictEqual(fake.requests.map((r) => r.body.thinking), [{ type: "adaptive" }, { type: "enabled" }], "the retry is not counted in max_retries")
      yield* host.turnCollect("t2", userTurn("again", "MiniMax-M3"))
      assert.deepStrictEqual(fake.requests.map((r) => r.body.thinking).slice(2), [{ type: "enabled" }], "learned for the process")
      const stderr = yield* host.stderr
      assert.strictEqual(stderr.split(`accepted \\"enabled\\"`).length - 1, 1, stderr)
    }).pipe(Effect.scoped))

  it.live("takes images, also inside a tool_result", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { result } = yield* host.turnCollect("t", { model: "MiniMax-M3", messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, image] }] })
      assert.strictEqual(result.stopReason, "end_turn")
      assert.deepStrictEqual(fake.requests[0]!.body.messages[0].content[1], { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } })
    }).pipe(Effect.scoped))

  it.live("a two-turn conversation with a tool call round-trips byte for byte", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const tools = [{ name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } }]
      const first: TurnRequest = { model: "MiniMax-M3", tools, messages: [{ role: "user", content: "what is the weather?" }] }
      const turn1 = yield* host.turnCollect("t1", first)
      assert.deepStrictEqual(turn1.result.content.map((b) => b.type), ["thinking", "tool_use"])
      const toolUse = turn1.result.content[1] as Extract<ContentBlock, { type: "tool_use" }>
      const second: TurnRequest = {
        ...first,
        messages: [
          ...first.messages,
          { role: "assistant", content: turn1.result.content },
          { role: "user", content: [{ type: "tool_result", toolUseId: toolUse.id, content: "22°C" }] }
        ]
      }
      const turn2 = yield* host.turnCollect("t2", second)
      assertWellFormed(turn2.events)
      const sentBack = fake.requests[1]!.body.messages[1].content
      const firstAnswer = turn1.result.content.map((block) =>
        block.type === "thinking"
          ? { type: "thinking", thinking: block.thinking, signature: block.signature }
          : block.type === "tool_use"
          ? { type: "tool_use", id: block.id, name: block.name, input: block.input }
          : block
      )
      assert.deepStrictEqual(sentBack, firstAnswer)
      assert.include(fake.requests[1]!.rawBody, JSON.stringify((turn1.result.content[0] as { thinking: string }).thinking))
    }).pipe(Effect.scoped))
})

describe("M2.x", () => {
  it.live("an image is refused before any request, with the block's path and the models that take images", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const error = yield* Effect.flip(host.turnCollect("t", { model: "MiniMax-M2.7", messages: [{ role: "user", content: [{ type: "text", text: "see" }, image] }] }))
      const data = failureData(error)
      assert.strictEqual(data.tag, "InvalidRequest")
      assert.include(data.message, "request.messages[0].content[1]")
      assert.include(data.hint, "MiniMax-M3")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.scoped))

  it.live("temperature 0 is sent as 0.01 (MiniMax would answer 2013), logged once at info", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      for (const turnId of ["a", "b"]) yield* host.turnCollect(turnId, { ...userTurn("hi"), temperature: 0 })
      assert.deepStrictEqual(fake.requests.map((r) => r.body.temperature), [0.01, 0.01])
      const stderr = yield* host.stderr
      assert.strictEqual(stderr.split("temperature 0 is outside").length - 1, 1, stderr)
    }).pipe(Effect.scoped))

  it.live("a tool with no parameters is sent with type object and empty properties", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      yield* host.turnCollect("t", { ...userTurn("hi"), tools: [{ name: "now", description: "the time", inputSchema: {} }] })
      assert.deepStrictEqual(fake.requests[0]!.body.tools, [{ name: "now", description: "the time", input_schema: { type: "object", properties: {} } }])
    }).pipe(Effect.scoped))

  it.live("an edited thinking block is sent unsigned and accepted; MiniMax would refuse its stale signature", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, {}, { PLEXUM_LOG_LEVEL: "debug" })
      const turn1 = yield* host.turnCollect("t1", userTurn("hi"))
      const thinking = turn1.result.content[0] as Extract<ContentBlock, { type: "thinking" }>
      const edited = { ...thinking, thinking: `${thinking.thinking} (trimmed by the host)` }
      const turn2 = yield* host.turnCollect("t2", {
        model: "MiniMax-M2.7",
        messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [edited, ...turn1.result.content.slice(1)] }, { role: "user", content: "and?" }]
      })
      assert.strictEqual(turn2.result.stopReason, "end_turn")
      assert.deepStrictEqual(fake.requests[1]!.body.messages[1].content[0], { type: "thinking", thinking: edited.thinking })
      assert.include(yield* host.stderr, "1 thinking block(s) sent without a signature")
    }).pipe(Effect.scoped))
})

describe("model ids", () => {
  it.live("an id neither in the catalog nor in config.json is refused before any request", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const data = failureData(yield* Effect.flip(host.turnCollect("t", userTurn("hi", "MiniMax-M2.8"))))
      assert.strictEqual(data.tag, "InvalidRequest")
      assert.include(data.message, "request.model")
      assert.include(data.hint, "config.json")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.scoped))

  it.live("an id added in config.json is sent; when another model answers, a warning names both", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const extra = { id: "MiniMax-M9", displayName: "M9", contextWindow: 1000, maxOutputTokens: 100, supports: { thinking: true, tools: true, images: false }, family: "m2" }
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { models: [extra] })
      const init = yield* host.initialize()
      assert.include(init.models.map((m) => m.id), "MiniMax-M9")
      const { events } = yield* host.turnCollect("t", userTurn("hi", "MiniMax-M9"))
      assert.strictEqual(fake.requests[0]!.body.model, "MiniMax-M9")
      assert.deepStrictEqual(events[0]!.event, { type: "turn_start", messageId: (events[0]!.event as { messageId: string }).messageId, model: "MiniMax-M2.7" })
      const stderr = yield* host.stderr
      assert.include(stderr, "MiniMax answered with MiniMax-M2.7, not the MiniMax-M9 that was asked for")
    }).pipe(Effect.scoped))
})
