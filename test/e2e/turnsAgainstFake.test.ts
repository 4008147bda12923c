/**
 * End to end: the spawned plugin against the loopback fake MiniMax.
 */
import type { TurnEvent, TurnEventParams } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { textBlock, thinkingBlock, messageEnd, messageStart, ping, thinkingThenToolUse } from "../../fake/transcripts.ts"
import { assertWellFormed, EMPTY_KEY, fakeMinimax, PAY_KEY, pluginAgainst, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const blockStops = (events: ReadonlyArray<TurnEventParams>) =>
  events.flatMap(({ event }) => event.type === "block_stop" ? [event.block] : [])

const WEATHER_TOOL = {
  name: "get_weather",
  description: "Current weather for a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
}

describe("two-turn conversation with a tool call", () => {
  it.live("sends the first turn's blocks back byte for byte, with Bearer auth and max_tokens 4096", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const transcript = thinkingThenToolUse({
        model: "MiniMax-M2.7",
        thinking: "The user wants the weather in Shanghai. I will call get_weather with the city.",
        name: "get_weather",
        input: { city: "Shanghai", unit: "celsius", note: "quote \" and unicode ✓" },
        cuts: [1, 7, 19, 33],
        seed: "two-turn"
      })
      fake.script({ kind: "sse", frames: transcript.frames, chunkSize: 37 })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)

      const first = yield* host.turnCollect("turn-1", { ...userTurn("What's the weather in Shanghai?"), tools: [WEATHER_TOOL] })
      assertWellFormed(first.events)
      assert.strictEqual(first.result.stopReason, "tool_use")
      assert.deepStrictEqual(first.result.content, blockStops(first.events))
      const [thinking, toolUse] = first.result.content
      assert.deepStrictEqual(thinking, { type: "thinking", thinking: transcript.expected.thinking!, signature: transcript.expected.signature! })
      assert.match((thinking as { signature: string }).signature, /^[0-9a-f]{64}$/)
      assert.deepStrictEqual(toolUse, { type: "tool_use", ...transcript.expected.toolUse! })

      const toolUseId = transcript.expected.toolUse!.id
      const second = yield* host.turnCollect("turn-2", {
        model: "MiniMax-M2.7",
        tools: [WEATHER_TOOL],
        messages: [
          { role: "user", content: "What's the weather in Shanghai?" },
          { role: "assistant", content: first.result.content },
          { role: "user", content: [{ type: "tool_result", toolUseId, content: "22°C, clear" }] }
        ]
      })
      assertWellFormed(second.events)

      assert.strictEqual(fake.requests.length, 2)
      const secondRequest = fake.requests[1]!
      assert.deepStrictEqual(secondRequest.body.messages[1], {
        role: "assistant",
        content: [
          { type: "thinking", thinking: transcript.expected.thinking, signature: transcript.expected.signature },
          { type: "tool_use", id: toolUseId, name: "get_weather", input: transcript.expected.toolUse!.input }
        ]
      })
      assert.deepStrictEqual(secondRequest.body.messages[2].content, [{ type: "tool_result", tool_use_id: toolUseId, content: "22°C, clear" }])
      for (const request of fake.requests) {
        assert.strictEqual(request.path, "/anthropic/v1/messages")
        assert.strictEqual(request.headers.authorization, `Bearer ${TOKEN_PLAN_KEY}`)
        assert.isUndefined(request.headers["x-api-key"])
        assert.strictEqual(request.headers["anthropic-version"], "2023-06-01")
        assert.isUndefined(request.headers.traceparent)
        assert.isUndefined(request.headers.b3)
        assert.strictEqual(request.body.max_tokens, 4096)
        assert.strictEqual(request.body.stream, true)
        assert.deepStrictEqual(request.body.tools[0].input_schema, WEATHER_TOOL.inputSchema)
      }
    }).pipe(Effect.scoped))
})

describe("stop sequences", () => {
  it.live("a match spanning two deltas cuts the text exactly before it, leaves thinking alone and closes the upstream", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const signature = "ab".repeat(32)
      fake.script({
        kind: "sse",
        frames: [
          messageStart("MiniMax-M2.7", "0123456789abcdef0123456789abcdef"),
          ping(),
          ...thinkingBlock(0, ["Counting ", "to five."], signature),
          ...textBlock(1, ["\n\none, two, th", "ree, STO", "P here, four", ", five"]),
          ...messageEnd("end_turn", { input_tokens: 10, output_tokens: 20 })
        ],
        chunkSize: 64,
        delayMs: 15
      })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { events, result } = yield* host.turnCollect("stop", { ...userTurn("count"), stopSequences: ["STOP"] })
      assertWellFormed(events)
      assert.strictEqual(result.stopReason, "stop_sequence")
      assert.strictEqual(result.stopSequence, "STOP")
      assert.deepStrictEqual(result.content, [
        { type: "thinking", thinking: "Counting to five.", signature },
        { type: "text", text: "\n\none, two, three, " }
      ])
      const streamedText = events.flatMap(({ event }) => event.type === "text_delta" ? [event.text] : []).join("")
      assert.strictEqual(streamedText, "\n\none, two, three, ")
      yield* Effect.sleep("200 millis")
      assert.isTrue(fake.requests[0]!.closedByClient, "the fake saw its connection closed before the stream ended")
    }).pipe(Effect.scoped))
})

describe("MiniMax failures through the spawned plugin", () => {
  it.live("sk-cp- with highspeed: ModelNotInPlan 2061, not retried, with a hint naming M2.7 and sk-api-", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const error = yield* Effect.flip(host.turnCollect("hs", userTurn("hi", "MiniMax-M2.7-highspeed")))
      assert.strictEqual(error.code, -32001)
      const data = error.data as { tag: string; retryable: boolean; hint: string; upstream: { httpStatus: number; code: number } }
      assert.strictEqual(data.tag, "ModelNotInPlan")
      assert.strictEqual(data.retryable, false)
      assert.strictEqual(data.upstream.code, 2061)
      assert.strictEqual(data.upstream.httpStatus, 500)
      assert.include(data.hint, "MiniMax-M2.7")
      assert.include(data.hint, "sk-api-")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.scoped))

  it.live("an empty sk-api- balance: InsufficientBalance 1008 with a top-up hint", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, EMPTY_KEY)
      const error = yield* Effect.flip(host.turnCollect("empty", userTurn("hi")))
      const data = error.data as { tag: string; hint: string; upstream: { code: number } }
      assert.strictEqual(data.tag, "InsufficientBalance")
      assert.strictEqual(data.upstream.code, 1008)
      assert.include(data.hint, "Top up")
      assert.include(data.hint, "sk-cp-")
    }).pipe(Effect.scoped))

  it.live("a mid-stream error event ends the turn with its failure after the events already sent", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({
        kind: "sse",
        frames: [
          messageStart("MiniMax-M2.7", "0123456789abcdef0123456789abcdef"),
          ...thinkingBlock(0, ["Let me think"], "cd".repeat(32)),
          { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "server cluster is under high load" } } }
        ]
      })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const handle = yield* host.turn("mid", userTurn("hi"))
      const events = yield* Effect.promise(() => collect(handle.events))
      const error = yield* Effect.flip(handle.result)
      assert.deepStrictEqual(events.map((e) => e.event.type), ["turn_start", "usage", "block_start", "thinking_delta", "signature_delta", "block_stop"])
      assert.strictEqual((error.data as { tag: string }).tag, "Overloaded")
      assert.strictEqual(fake.requests.length, 1, "no retry once events were sent")
    }).pipe(Effect.scoped))

  it.live("the key appears in no event, failure or log line, even at debug level", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const host = yield* pluginAgainst(fake, EMPTY_KEY, {}, { PLEXUM_LOG_LEVEL: "debug" })
      yield* Effect.flip(host.turnCollect("k1", userTurn("hi")))
      const good = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, {}, { PLEXUM_LOG_LEVEL: "debug" })
      yield* good.turnCollect("k2", userTurn("hello"))
      yield* Effect.flip(good.turnCollect("k3", userTurn("hi", "MiniMax-M2.7-highspeed")))
      for (const [h, key] of [[host, EMPTY_KEY], [good, TOKEN_PLAN_KEY]] as const) {
        const stdout = (yield* h.stdoutLines).join("\n")
        const stderr = yield* h.stderr
        assert.isAbove(stdout.length, 0)
        assert.notInclude(stdout, key)
        assert.notInclude(stderr, key)
        assert.notInclude(stdout, key.slice(7, 20))
      }
    }).pipe(Effect.scoped))
})

const collect = async (stream: import("effect").Stream.Stream<TurnEventParams>): Promise<Array<TurnEventParams>> => {
  const { Effect: E, Stream } = await import("effect")
  return E.runPromise(Stream.runCollect(stream)) as Promise<Array<TurnEventParams>>
}

export type { TurnEvent }
