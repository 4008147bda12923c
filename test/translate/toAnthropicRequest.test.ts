/**
 * TurnRequest → Anthropic body, on plain values: every block kind in Anthropic's snake_case
 * shape, thinking and tool_use blocks byte for byte, defaults, and exact numbers.
 */
import type { TurnRequest } from "@plexum/sdk"
import { parseJsonExact } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { toAnthropicRequest } from "../../src/translate/toAnthropicRequest.ts"

const defaults = { maxTokensDefault: 4096 }

describe("toAnthropicRequest", () => {
  it("a plain text turn: model, max_tokens default, stream true, nothing else", () => {
    const body = toAnthropicRequest({ model: "MiniMax-M2.7", messages: [{ role: "user", content: "hi" }] }, defaults)
    assert.deepStrictEqual(body, { model: "MiniMax-M2.7", max_tokens: 4096, messages: [{ role: "user", content: "hi" }], stream: true })
  })

  it("every optional field in Anthropic's names", () => {
    const request: TurnRequest = {
      model: "MiniMax-M2.7",
      system: [{ type: "text", text: "be brief", cacheControl: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "f", description: "does f", inputSchema: { type: "object", properties: {} }, cacheControl: { type: "ephemeral" } }],
      toolChoice: { type: "tool", name: "f" },
      maxTokens: 100,
      temperature: 0.5,
      topP: 0.9,
      stopSequences: ["END"],
      thinking: { type: "enabled", budgetTokens: 1024 },
      metadata: { userId: "u1" }
    }
    assert.deepStrictEqual(toAnthropicRequest(request, defaults), {
      model: "MiniMax-M2.7",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      system: [{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }],
      tools: [{ name: "f", description: "does f", input_schema: { type: "object", properties: {} }, cache_control: { type: "ephemeral" } }],
      tool_choice: { type: "tool", name: "f" },
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ["END"],
      thinking: { type: "enabled", budget_tokens: 1024 },
      metadata: { user_id: "u1" }
    })
  })

  it("assistant blocks go back byte for byte; tool results and images in snake_case", () => {
    const signature = "9f".repeat(32)
    const body = toAnthropicRequest({
      model: "MiniMax-M2.7",
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "  I should call it.\n", signature },
            { type: "redacted_thinking", data: "EuYBCkQ==" },
            { type: "text", text: "\n\nChecking." },
            { type: "tool_use", id: "call_function_abc_1", name: "get_weather", input: { city: "Shanghai" } }
          ]
        },
        {
          role: "user",
          content: [{
            type: "tool_result",
            toolUseId: "call_function_abc_1",
            isError: false,
            content: [{ type: "text", text: "22°C" }, { type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBO" } }]
          }]
        }
      ]
    }, defaults)
    const messages = body.messages as ReadonlyArray<{ readonly content: unknown }>
    assert.deepStrictEqual(messages[1]!.content, [
      { type: "thinking", thinking: "  I should call it.\n", signature },
      { type: "redacted_thinking", data: "EuYBCkQ==" },
      { type: "text", text: "\n\nChecking." },
      { type: "tool_use", id: "call_function_abc_1", name: "get_weather", input: { city: "Shanghai" } }
    ])
    assert.deepStrictEqual(messages[2]!.content, [{
      type: "tool_result",
      tool_use_id: "call_function_abc_1",
      content: [{ type: "text", text: "22°C" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } }],
      is_error: false
    }])
  })

  it("hardening 1: tool input numbers a double cannot hold go upstream exactly", () => {
    const input = parseJsonExact(`{"message_id":1234567890123456789,"big":1e400,"list":[18446744073709551615]}`)
    const body = toAnthropicRequest({
      model: "MiniMax-M2.7",
      messages: [{ role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "f", input }] }]
    }, defaults)
    assert.include(JSON.stringify(body), `"input":{"message_id":1234567890123456789,"big":1e400,"list":[18446744073709551615]}`)
  })
})
