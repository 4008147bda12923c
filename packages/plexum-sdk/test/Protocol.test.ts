/**
 * The canonical Schemas: every ContentBlock and TurnEvent variant round-trips; wrong types
 * are rejected with issues that carry the path; null counts as absent; unknown fields go.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { decodeParams, ContentBlock, TurnEvent, TurnParams, TurnRequest, ProviderFailure } from "../src/index.ts"

const contentBlocks: Array<ContentBlock> = [
  { type: "text", text: "hello" },
  { type: "text", text: "cached", cacheControl: { type: "ephemeral" } },
  { type: "thinking", thinking: "hmm", signature: "ab".repeat(32) },
  { type: "redacted_thinking", data: "EuYBCkQ==" },
  { type: "tool_use", id: "call_function_x_1", name: "f", input: { a: [1, null, { b: "c" }] } },
  { type: "tool_result", toolUseId: "call_function_x_1", content: "22°C", isError: false },
  { type: "tool_result", toolUseId: "call_function_x_1", content: [{ type: "text", text: "ok" }] },
  { type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } }
]

const usage = { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4 }
const turnEvents: Array<TurnEvent> = [
  { type: "turn_start", messageId: "0123456789abcdef0123456789abcdef", model: "MiniMax-M2.7" },
  { type: "block_start", index: 0, block: { type: "text" } },
  { type: "block_start", index: 1, block: { type: "thinking" } },
  { type: "block_start", index: 2, block: { type: "redacted_thinking", data: "x" } },
  { type: "block_start", index: 3, block: { type: "tool_use", id: "i", name: "n" } },
  { type: "text_delta", index: 0, text: "t" },
  { type: "thinking_delta", index: 1, thinking: "th" },
  { type: "signature_delta", index: 1, signature: "s" },
  { type: "tool_input_delta", index: 3, partialJson: "{\"a\"" },
  ...contentBlocks.map((block, index): TurnEvent => ({ type: "block_stop", index, block })),
  { type: "usage", usage },
  { type: "turn_stop", stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 2 } },
  { type: "turn_stop", stopReason: "stop_sequence", stopSequence: "END", usage },
  { type: "turn_stop", stopReason: "some_future_reason", usage }
]

const roundTrip = <S extends Schema.Codec<any, any>>(schema: S, value: unknown) =>
  Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(Schema.encodeSync(schema)(Schema.decodeUnknownSync(schema)(value)))))

describe("Protocol schemas", () => {
  it("round-trips every ContentBlock variant", () => {
    for (const block of contentBlocks) assert.deepStrictEqual(roundTrip(ContentBlock, block), block)
  })

  it("round-trips every TurnEvent variant", () => {
    for (const event of turnEvents) assert.deepStrictEqual(roundTrip(TurnEvent, event), event)
  })

  it("reads null as absent and ignores unknown fields", () => {
    const request = Schema.decodeUnknownSync(TurnRequest)({
      model: "MiniMax-M2.7",
      messages: [{ role: "user", content: "hi", extra: 1 }],
      temperature: null,
      tools: null,
      futureField: { x: 1 }
    })
    assert.deepStrictEqual(request, { model: "MiniMax-M2.7", messages: [{ role: "user", content: "hi" }] })
  })

  it("rejects wrong types with issues that carry the path", () => {
    const decode = decodeParams(TurnParams)
    const result = decode({
      turnId: 7,
      request: {
        model: "MiniMax-M2.7",
        messages: [{ role: "user", content: [{ type: "tool_use", id: "x", name: "" , input: {} }, { type: "video" }] }],
        tools: [{ name: "", inputSchema: {} }],
        maxTokens: -1,
        thinking: { type: "enabled", budgetTokens: "lots" }
      }
    })
    assert.isFalse(result.ok)
    const paths = result.ok ? [] : result.issues.map((i) => i.path)
    for (const path of ["turnId", "request.messages[0].content", "request.tools[0].name", "request.maxTokens", "request.thinking"]) {
      assert.isTrue(paths.some((p) => p.startsWith(path)), `${path} in ${paths.join(", ")}`)
    }
  })

  it("knows every ProviderFailure tag and nothing else", () => {
    const failure = { tag: "ModelNotInPlan" as const, message: "m", retryable: false, upstream: { httpStatus: 500, code: 2061 } }
    assert.deepStrictEqual(roundTrip(ProviderFailure, failure), failure)
    assert.throws(() => Schema.decodeUnknownSync(ProviderFailure)({ ...failure, tag: "Oops" }))
  })
})
