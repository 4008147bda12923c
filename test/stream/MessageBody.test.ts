/**
 * A whole JSON message as the events the reducer takes: the same TurnEvents as the stream that
 * would have carried it.
 */
import { assert, describe, it } from "@effect/vitest"
import { endOfStream, initialBlockState, reduceBlockEvents } from "../../src/stream/BlockReducer.ts"
import { eventsOfMessage } from "../../src/stream/MessageBody.ts"

const message = {
  type: "message",
  id: "0123456789abcdef0123456789abcdef",
  model: "MiniMax-M2.7",
  content: [
    { type: "thinking", thinking: "Let me think.", signature: "ab".repeat(32) },
    { type: "text", text: "Hello" },
    { type: "tool_use", id: "call_function_x_1", name: "f", input: { a: [1, 2] } },
    { type: "some_future_block", whatever: 1 }
  ],
  stop_reason: "tool_use",
  usage: { input_tokens: 5, output_tokens: 9, cache_read_input_tokens: 2 },
  base_resp: { status_code: 0, status_msg: "success" }
}

describe("eventsOfMessage", () => {
  it("is undefined for anything that is not a message", () => {
    for (const json of [null, 1, "x", {}, { type: "error" }, { type: "message" }, { type: "message", content: "text" }]) assert.isUndefined(eventsOfMessage(json))
  })

  it("reduces to the blocks, stop reason and usage the message holds; unknown blocks skipped", () => {
    const events = eventsOfMessage(message)!
    assert.deepStrictEqual(events[0], { type: "message_start", message: { id: message.id, model: "MiniMax-M2.7", usage: message.usage } })
    const step = reduceBlockEvents(initialBlockState({ model: "MiniMax-M2.7" }), events)
    assert.isUndefined(step.fault)
    const end = endOfStream(step.state)
    const all = [...step.events, ...end.events]
    assert.deepStrictEqual(all.flatMap((e) => e.type === "block_stop" ? [e.block] : []), [
      { type: "thinking", thinking: "Let me think.", signature: "ab".repeat(32) },
      { type: "text", text: "Hello" },
      { type: "tool_use", id: "call_function_x_1", name: "f", input: { a: [1, 2] } }
    ])
    assert.deepInclude(all.at(-1), { type: "turn_stop", stopReason: "tool_use", usage: { inputTokens: 5, outputTokens: 9, cacheReadInputTokens: 2 } })
  })
})
