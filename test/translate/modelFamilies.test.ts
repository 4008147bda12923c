/**
 * Each model sent the way MiniMax accepts it (issue 13), on plain values: M3's thinking, images
 * allowed and refused with their paths, the clamps and the schema repair, the tool_result id
 * check, unknown model ids, and the signature rule (MiniMax's signature is the SHA-256 of the
 * thinking text, computed here independently).
 */
import type { TurnRequest } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { BUILTIN_MODELS, FAMILY_POLICIES, mergeCatalog } from "../../src/minimax/catalog.ts"
import { checkRequest } from "../../src/translate/checkRequest.ts"
import { repairRequest } from "../../src/translate/repairRequest.ts"
import { toAnthropicRequest } from "../../src/translate/toAnthropicRequest.ts"

const m3 = FAMILY_POLICIES.m3
const m2 = FAMILY_POLICIES.m2
const ask = (request: Partial<TurnRequest> = {}): TurnRequest => ({ model: "MiniMax-M3", messages: [{ role: "user", content: "hi" }], ...request })
const thinkingOf = (request: TurnRequest, policy = m3, thinkingOn: "adaptive" | "enabled" = "adaptive") =>
  toAnthropicRequest(request, { maxTokensDefault: 4096, policy, thinkingOn }).thinking

describe("thinking by family", () => {
  it("M3: none → adaptive, enabled with a budget → adaptive without one, disabled → disabled", () => {
    assert.deepStrictEqual(thinkingOf(ask()), { type: "adaptive" })
    assert.deepStrictEqual(thinkingOf(ask({ thinking: { type: "enabled", budgetTokens: 2048 } })), { type: "adaptive" })
    assert.deepStrictEqual(thinkingOf(ask({ thinking: { type: "disabled" } })), { type: "disabled" })
  })

  it("M3 after the drift: the learned on value is sent instead", () => {
    assert.deepStrictEqual(thinkingOf(ask(), m3, "enabled"), { type: "enabled" })
    assert.deepStrictEqual(thinkingOf(ask({ thinking: { type: "disabled" } }), m3, "enabled"), { type: "disabled" })
  })

  it("M2.x: the request's thinking goes as it came, and none stays none", () => {
    assert.isUndefined(thinkingOf(ask({ model: "MiniMax-M2.7" }), m2))
    assert.deepStrictEqual(thinkingOf(ask({ model: "MiniMax-M2.7", thinking: { type: "enabled", budgetTokens: 2048 } }), m2), { type: "enabled", budget_tokens: 2048 })
    assert.deepStrictEqual(thinkingOf(ask({ model: "MiniMax-M2.7", thinking: { type: "disabled" } }), m2), { type: "disabled" })
  })
})

describe("images", () => {
  const withImages: TurnRequest = ask({
    messages: [
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBO" } }] },
      { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "shot", input: {} }] },
      { role: "user", content: [{ type: "tool_result", toolUseId: "call_1", content: [{ type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBO" } }] }] }
    ]
  })

  it("go to M3, in Anthropic's shape, also inside a tool_result", () => {
    assert.isUndefined(checkRequest(withImages, BUILTIN_MODELS))
    const body = toAnthropicRequest(withImages, { maxTokensDefault: 4096, policy: m3 }) as unknown as { messages: Array<{ content: Array<any> }> }
    assert.deepStrictEqual(body.messages[0]!.content[1], { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } })
    assert.deepStrictEqual(body.messages[2]!.content[0].content[0], { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } })
  })

  it("are refused for a text-only model, naming the first block's path and the models that take images", () => {
    const refusal = checkRequest({ ...withImages, model: "MiniMax-M2.7" }, BUILTIN_MODELS)!
    assert.strictEqual(refusal._tag, "InvalidRequest")
    assert.include(refusal.message, "request.messages[0].content[1]")
    assert.include(refusal.message, "2 image block(s)")
    assert.include(refusal.hint, "MiniMax-M3")
    const onlyInResult = checkRequest({ ...withImages, model: "MiniMax-M2.5", messages: withImages.messages.slice(1) }, BUILTIN_MODELS)!
    assert.include(onlyInResult.message, "request.messages[1].content[0].content[0]")
  })
})

describe("repairs before sending", () => {
  it("M2.x: temperature 0 becomes 0.01, above 1 becomes 1; top_p likewise; each repair is named", () => {
    assert.strictEqual(repairRequest(ask({ model: "MiniMax-M2.7", temperature: 0 }), m2).request.temperature, 0.01)
    assert.strictEqual(repairRequest(ask({ model: "MiniMax-M2.7", temperature: 1.7 }), m2).request.temperature, 1)
    assert.strictEqual(repairRequest(ask({ model: "MiniMax-M2.7", temperature: -3 }), m2).request.temperature, 0.01)
    const both = repairRequest(ask({ model: "MiniMax-M2.7", temperature: 0, topP: 0 }), m2)
    assert.deepStrictEqual(both.repairs.map((r) => r.kind), ["temperature", "topP"])
    assert.deepStrictEqual([both.request.topP], [0.01])
    const inRange = repairRequest(ask({ model: "MiniMax-M2.7", temperature: 0.7, topP: 1 }), m2)
    assert.deepStrictEqual([inRange.repairs, inRange.request.temperature, inRange.request.topP], [[], 0.7, 1])
  })

  it("M3: temperature 0 is accepted as it is; above 2 becomes 2", () => {
    assert.deepStrictEqual(repairRequest(ask({ temperature: 0 }), m3).repairs, [])
    assert.strictEqual(repairRequest(ask({ temperature: 2.5 }), m3).request.temperature, 2)
  })

  it("a tool schema without type or properties gets them; whatever else it has stays", () => {
    const { repairs, request } = repairRequest(ask({
      tools: [
        { name: "now", inputSchema: {} },
        { name: "typed", inputSchema: { type: "object", description: "d" } },
        { name: "whole", inputSchema: { type: "object", properties: { a: { type: "string" } }, required: ["a"] } }
      ]
    }), m2)
    assert.deepStrictEqual(request.tools!.map((t) => t.inputSchema), [
      { type: "object", properties: {} },
      { type: "object", description: "d", properties: {} },
      { type: "object", properties: { a: { type: "string" } }, required: ["a"] }
    ])
    assert.deepStrictEqual(repairs.map((r) => r.kind), ["toolSchema"])
    assert.include(repairs[0]!.message, "now, typed")
  })
})

describe("refusals before sending", () => {
  it("a tool_result whose id is not a tool_use of the assistant message just before it", () => {
    const request = ask({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "call_function_a_1", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", toolUseId: "call_function_a_1", content: "ok" }, { type: "tool_result", toolUseId: "call_function_zz_9", content: "?" }] }
      ]
    })
    const refusal = checkRequest(request, BUILTIN_MODELS)!
    assert.include(refusal.message, "request.messages[2].content[1].toolUseId")
    assert.include(refusal.message, "call_function_zz_9")
    assert.isUndefined(checkRequest({ ...request, messages: request.messages.map((m, i) => i === 2 ? { ...m, content: [(m.content as Array<any>)[0]] } : m) }, BUILTIN_MODELS))
  })

  it("a model id neither in the catalog nor in config.json; one added in config.json is known", () => {
    const refusal = checkRequest(ask({ model: "MiniMax-M9" }), BUILTIN_MODELS)!
    assert.include(refusal.message, "request.model")
    assert.include(refusal.hint, "MiniMax-M3")
    assert.include(refusal.hint, "config.json")
    const extended = mergeCatalog([{ descriptor: { ...BUILTIN_MODELS[2]!.descriptor, id: "MiniMax-M9" }, family: "m3" }])
    assert.isUndefined(checkRequest(ask({ model: "MiniMax-M9" }), extended))
    assert.strictEqual(extended.find((m) => m.descriptor.id === "MiniMax-M9")!.family, "m3")
    assert.strictEqual(mergeCatalog([{ descriptor: { ...BUILTIN_MODELS[0]!.descriptor, id: "Other" } }]).at(-1)!.family, "m2")
  })
})

describe("thinking replay after an edited history", () => {
  const thinking = "Let me think.\nThe user wants the weather."
  const signature = createHash("sha256").update(thinking, "utf8").digest("hex")
  const history = (blocks: Array<{ thinking: string; signature: string }>) =>
    ask({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: blocks.map((b) => ({ type: "thinking" as const, ...b })) }, { role: "user", content: "more" }] })
  const sent = (request: TurnRequest) => {
    const repaired = repairRequest(request, m3)
    const body = toAnthropicRequest(repaired.request, { maxTokensDefault: 4096, policy: m3 }) as unknown as { messages: Array<{ content: Array<any> }> }
    return { blocks: body.messages[1]!.content, unsigned: repaired.unsignedThinking }
  }

  it("an untouched block goes byte for byte, with its signature", () => {
    assert.deepStrictEqual(sent(history([{ thinking, signature }])), { blocks: [{ type: "thinking", thinking, signature }], unsigned: 0 })
  })

  it("an edited or trimmed block goes without a signature; so does one whose signature is empty", () => {
    const trimmed = thinking.trim().slice(0, 20)
    assert.deepStrictEqual(sent(history([{ thinking: trimmed, signature }, { thinking, signature: "" }])), {
      blocks: [{ type: "thinking", thinking: trimmed }, { type: "thinking", thinking }],
      unsigned: 2
    })
  })

  it("a signature of another form (not 64 hex) is opaque and goes as it came", () => {
    assert.deepStrictEqual(sent(history([{ thinking: "x", signature: "EqQBCkgIARABGAIiQL" }])).blocks, [{ type: "thinking", thinking: "x", signature: "EqQBCkgIARABGAIiQL" }])
  })
})
