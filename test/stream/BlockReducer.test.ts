/**
 * The block-state reducer on plain values: no HTTP, no fibers, no clock.
 */
import type { TurnEvent } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import type { AnthropicEvent } from "../../src/stream/AnthropicEvent.ts"
import { type BlockState, endOfStream, initialBlockState, reduceBlockEvents } from "../../src/stream/BlockReducer.ts"

const start = (usage?: object): AnthropicEvent => ({
  type: "message_start",
  message: { id: "0123456789abcdef0123456789abcdef", model: "MiniMax-M2.7", ...(usage ? { usage } : {}) }
} as AnthropicEvent)
const blockStart = (index: number, content_block: object): AnthropicEvent => ({ type: "content_block_start", index, content_block } as AnthropicEvent)
const delta = (index: number, d: object): AnthropicEvent => ({ type: "content_block_delta", index, delta: d } as AnthropicEvent)
const stop = (index: number): AnthropicEvent => ({ type: "content_block_stop", index })
const messageDelta = (d: object, usage?: object): AnthropicEvent => ({ type: "message_delta", delta: d, ...(usage ? { usage } : {}) } as AnthropicEvent)
const messageStop: AnthropicEvent = { type: "message_stop" }

const run = (events: ReadonlyArray<AnthropicEvent>, stopSequences?: Array<string>) => {
  const step = reduceBlockEvents(initialBlockState({ model: "fallback", stopSequences }), events)
  return { ...step, types: step.events.map((e) => e.type) }
}
const lastStop = (events: ReadonlyArray<TurnEvent>) => events.filter((e) => e.type === "turn_stop").at(-1)!
const blocks = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "block_stop" ? [e.block] : [])

describe("BlockReducer", () => {
  it("keeps a thinking block whose start has no signature, with the 64-hex signature from its delta", () => {
    const signature = "0f".repeat(32)
    const { events, fault } = run([
      start(),
      blockStart(0, { type: "thinking", thinking: "" }),
      delta(0, { type: "thinking_delta", thinking: "Let me " }),
      delta(0, { type: "thinking_delta", thinking: "think." }),
      delta(0, { type: "signature_delta", signature: "stale" }),
      delta(0, { type: "signature_delta", signature }),
      stop(0),
      messageStop
    ])
    assert.isUndefined(fault)
    assert.deepStrictEqual(blocks(events), [{ type: "thinking", thinking: "Let me think.", signature }])
  })

  it("gives a thinking block with no signature at all signature \"\"", () => {
    const { events } = run([start(), blockStart(0, { type: "thinking" }), delta(0, { type: "thinking_delta", thinking: "x" }), stop(0), messageStop])
    assert.deepStrictEqual(blocks(events), [{ type: "thinking", thinking: "x", signature: "" }])
  })

  it("assembles tool input cut anywhere and parses it once at the stop; none gives {}", () => {
    const { events, fault } = run([
      start(),
      blockStart(1, { type: "tool_use", id: "call_function_abc_1", name: "get_weather", input: {} }),
      delta(1, { type: "input_json_delta", partial_json: "" }),
      delta(1, { type: "input_json_delta", partial_json: "{\"ci" }),
      delta(1, { type: "input_json_delta", partial_json: "ty\":\"Shang" }),
      delta(1, { type: "input_json_delta", partial_json: "hai\"}" }),
      stop(1),
      blockStart(2, { type: "tool_use", id: "call_function_abc_2", name: "now", input: {} }),
      stop(2),
      messageDelta({ stop_reason: "tool_use" }),
      messageStop
    ])
    assert.isUndefined(fault)
    assert.deepStrictEqual(blocks(events), [
      { type: "tool_use", id: "call_function_abc_1", name: "get_weather", input: { city: "Shanghai" } },
      { type: "tool_use", id: "call_function_abc_2", name: "now", input: {} }
    ])
    assert.strictEqual(events.filter((e) => e.type === "tool_input_delta").length, 3, "the empty first piece sends no event")
    assert.strictEqual(lastStop(events).type === "turn_stop" && lastStop(events).stopReason, "tool_use")
  })

  it("reports tool input that is not JSON as a protocol fault", () => {
    const { fault } = run([start(), blockStart(0, { type: "tool_use", id: "c1", name: "f" }), delta(0, { type: "input_json_delta", partial_json: "{oops" }), stop(0)])
    assert.strictEqual(fault?._tag, "Malformed")
  })

  it("keeps redacted_thinking data as is", () => {
    const { events } = run([start(), blockStart(0, { type: "redacted_thinking", data: "EuYBCkQYAiJA==" }), stop(0), messageStop])
    assert.deepStrictEqual(events[1], { type: "block_start", index: 0, block: { type: "redacted_thinking", data: "EuYBCkQYAiJA==" } })
    assert.deepStrictEqual(blocks(events), [{ type: "redacted_thinking", data: "EuYBCkQYAiJA==" }])
  })

  it("maps stop_reason \"\" and a missing one to end_turn, and passes unknown ones through", () => {
    const stopOf = (d: object) => {
      const { events } = run([start(), messageDelta(d), messageStop])
      const last = lastStop(events)
      return last.type === "turn_stop" ? last.stopReason : undefined
    }
    assert.strictEqual(stopOf({ stop_reason: "" }), "end_turn")
    assert.strictEqual(stopOf({}), "end_turn")
    assert.strictEqual(stopOf({ stop_reason: "model_context_window_exceeded" }), "model_context_window_exceeded")
  })

  it("replaces usage with message_delta's full counts instead of adding them up", () => {
    const { events } = run([
      start({ input_tokens: 100, output_tokens: 1 }),
      messageDelta({ stop_reason: "end_turn" }, { input_tokens: 98, output_tokens: 40, cache_read_input_tokens: 64, cache_creation_input_tokens: 0 }),
      messageStop
    ])
    const last = lastStop(events)
    assert.deepStrictEqual(last.type === "turn_stop" && last.usage, { inputTokens: 98, outputTokens: 40, cacheReadInputTokens: 64, cacheCreationInputTokens: 0 })
    assert.deepStrictEqual(events.filter((e) => e.type === "usage").map((e) => e.type === "usage" && e.usage.inputTokens), [100, 98])
  })

  it("turns message_start, ping, message_stop into an empty finished turn", () => {
    const { types, state } = run([start(), { type: "ping" }, messageStop])
    assert.deepStrictEqual(types, ["turn_start", "turn_stop"])
    assert.isUndefined(endOfStream(state).fault)
    assert.deepStrictEqual(endOfStream(state).events, [])
  })

  it("skips unknown block and delta types; the known blocks are numbered from 0 with no gaps (protocol §4)", () => {
    const { events, fault } = run([
      start(),
      blockStart(0, { type: "server_tool_use", id: "x", name: "web" }),
      delta(0, { type: "citations_delta", citation: {} }),
      stop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "hi" }),
      delta(1, { type: "future_delta" }),
      stop(1),
      messageStop
    ])
    assert.isUndefined(fault)
    assert.deepStrictEqual(events.filter((e) => e.type !== "turn_start" && e.type !== "turn_stop"), [
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "hi" },
      { type: "block_stop", index: 0, block: { type: "text", text: "hi" } }
    ])
  })

  it("rejects events out of order by name", () => {
    assert.strictEqual(run([blockStart(0, { type: "text" })]).fault?._tag, "Malformed")
    assert.include((run([start(), delta(3, { type: "text_delta", text: "x" })]).fault as { message: string }).message, "block 3")
    assert.strictEqual(run([start(), start()]).fault?._tag, "Malformed")
  })

  it("says a stream that ends before message_stop is broken", () => {
    const { state } = run([start(), blockStart(0, { type: "text" })])
    assert.include((endOfStream(state).fault as { message: string }).message, "message_stop")
    assert.include((endOfStream(initialBlockState({ model: "m" })).fault as { message: string }).message, "message_start")
  })

  it("passes an error event on as a fault with its type and message", () => {
    const { fault } = run([start(), { type: "error", error: { type: "api_error", message: "unknown error (1000)" }, request_id: "r1" } as AnthropicEvent])
    assert.deepStrictEqual(fault, { _tag: "ErrorEvent", type: "api_error", message: "unknown error (1000)", requestId: "r1" })
  })

  describe("stop sequences", () => {
    const textTurn = (pieces: Array<string>, stopSequences: Array<string>) =>
      run([start(), blockStart(0, { type: "text", text: "" }), ...pieces.map((text) => delta(0, { type: "text_delta", text })), stop(0), messageStop], stopSequences)

    it("cuts a match that spans deltas exactly before it and ends with stop_sequence", () => {
      const { events, state } = textTurn(["Hello wo", "rld END", "ING more"], ["ENDING"])
      const last = lastStop(events)
      assert.deepStrictEqual(last.type === "turn_stop" && [last.stopReason, last.stopSequence], ["stop_sequence", "ENDING"])
      assert.deepStrictEqual(blocks(events), [{ type: "text", text: "Hello world " }])
      assert.strictEqual(events.filter((e) => e.type === "text_delta").map((e) => e.type === "text_delta" ? e.text : "").join(""), "Hello world ")
      assert.strictEqual((state as BlockState).phase, "done")
    })

    it("releases held-back text that turned out not to match", () => {
      const { events } = textTurn(["abc EN", "D? no, ENx"], ["END!"])
      assert.deepStrictEqual(blocks(events), [{ type: "text", text: "abc END? no, ENx" }])
      assert.strictEqual(events.filter((e) => e.type === "text_delta").map((e) => e.type === "text_delta" ? e.text : "").join(""), "abc END? no, ENx")
      const last = lastStop(events)
      assert.strictEqual(last.type === "turn_stop" && last.stopReason, "end_turn")
    })

    it("takes the earliest match among several sequences", () => {
      const { events } = textTurn(["one two three"], ["three", "two"])
      const last = lastStop(events)
      assert.strictEqual(last.type === "turn_stop" && last.stopSequence, "two")
      assert.deepStrictEqual(blocks(events), [{ type: "text", text: "one " }])
    })

    it("never looks inside thinking blocks", () => {
      const { events } = run([
        start(),
        blockStart(0, { type: "thinking" }),
        delta(0, { type: "thinking_delta", thinking: "I must not say STOP" }),
        stop(0),
        messageStop
      ], ["STOP"])
      assert.deepStrictEqual(blocks(events), [{ type: "thinking", thinking: "I must not say STOP", signature: "" }])
    })
  })
})
