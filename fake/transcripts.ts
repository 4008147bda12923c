/**
 * Scripted MiniMax streams, shaped like real captures (minimax-upstream.md §4): 32-hex message
 * ids, thinking starts without a signature, one 64-hex signature_delta, text starting with
 * "\n\n", `call_function_<random>_<n>` tool ids, an empty first input_json_delta.
 */
import { createHash } from "node:crypto"

export interface SseFrame {
  readonly event: string
  readonly data: unknown
}

/** MiniMax's thinking signature: the SHA-256 (lowercase hex) of the thinking text (minimax-upstream.md §7). */
export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

export const hex = (seed: string, length: number): string => {
  let out = ""
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}:${i}`).digest("hex")
  return out.slice(0, length)
}

/** Splits text into token-sized pieces (about 4 characters), as a model streams it. */
export const tokenize = (text: string, size = 4): Array<string> => {
  const pieces: Array<string> = []
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size))
  return pieces
}

export interface UsageCounts {
  readonly input_tokens: number
  readonly output_tokens: number
  readonly cache_read_input_tokens?: number
  readonly cache_creation_input_tokens?: number
}

const frame = (data: { readonly type: string } & Record<string, unknown>): SseFrame => ({ event: data.type, data })

export const messageStart = (model: string, id: string, usage: UsageCounts = { input_tokens: 12, output_tokens: 0 }) =>
  frame({ type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, usage: { ...usage, service_tier: "standard" } } })

export const ping = () => frame({ type: "ping" })

export const thinkingBlock = (index: number, thinking: ReadonlyArray<string>, signature: string): Array<SseFrame> => [
  frame({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } }),
  ...thinking.map((piece) => frame({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } })),
  frame({ type: "content_block_delta", index, delta: { type: "signature_delta", signature } }),
  frame({ type: "content_block_stop", index })
]

export const textBlock = (index: number, text: ReadonlyArray<string>): Array<SseFrame> => [
  frame({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
  ...text.map((piece) => frame({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } })),
  frame({ type: "content_block_stop", index })
]

/** `jsonPieces` is the input JSON cut anywhere; MiniMax's own first piece is "". */
export const toolUseBlock = (index: number, id: string, name: string, jsonPieces: ReadonlyArray<string>): Array<SseFrame> => [
  frame({ type: "content_block_start", index, content_block: { type: "tool_use", id, name, input: {} } }),
  ...jsonPieces.map((piece) => frame({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } })),
  frame({ type: "content_block_stop", index })
]

export const messageEnd = (stopReason: string, usage: UsageCounts): Array<SseFrame> => [
  frame({ type: "message_delta", delta: { stop_reason: stopReason }, usage }),
  frame({ type: "message_stop" })
]

/** Cuts a string at the given positions. */
export const cutAt = (text: string, positions: ReadonlyArray<number>): Array<string> => {
  const cuts = [...new Set(positions.filter((p) => p > 0 && p < text.length))].sort((a, b) => a - b)
  const pieces: Array<string> = []
  let from = 0
  for (const cut of cuts) {
    pieces.push(text.slice(from, cut))
    from = cut
  }
  pieces.push(text.slice(from))
  return pieces
}

export interface Transcript {
  readonly frames: ReadonlyArray<SseFrame>
  /** What the turn should produce, for assertions. */
  readonly expected: {
    readonly thinking?: string
    readonly signature?: string
    readonly text?: string
    readonly toolUse?: { readonly id: string; readonly name: string; readonly input: unknown }
    readonly stopReason: string
  }
}

export const thinkingThenText = (options: {
  readonly model: string
  readonly thinking: string
  readonly text: string
  readonly seed?: string
  readonly pieceSize?: number
}): Transcript => {
  const seed = options.seed ?? options.text
  const signature = sha256Hex(options.thinking)
  const text = `\n\n${options.text}`
  return {
    frames: [
      messageStart(options.model, hex(`msg:${seed}`, 32)),
      ping(),
      ...thinkingBlock(0, tokenize(options.thinking, options.pieceSize), signature),
      ...textBlock(1, tokenize(text, options.pieceSize)),
      ...messageEnd("end_turn", { input_tokens: 12, output_tokens: Math.ceil((options.thinking.length + text.length) / 4) })
    ],
    expected: { thinking: options.thinking, signature, text, stopReason: "end_turn" }
  }
}

export const thinkingThenToolUse = (options: {
  readonly model: string
  readonly thinking: string
  readonly name: string
  readonly input: unknown
  readonly cuts?: ReadonlyArray<number>
  readonly seed?: string
}): Transcript => {
  const seed = options.seed ?? options.name
  const signature = sha256Hex(options.thinking)
  const id = `call_function_${hex(`tool:${seed}`, 12)}_1`
  const json = JSON.stringify(options.input)
  return {
    frames: [
      messageStart(options.model, hex(`msg:${seed}`, 32)),
      ping(),
      ...thinkingBlock(0, tokenize(options.thinking), signature),
      ...toolUseBlock(1, id, options.name, ["", ...cutAt(json, options.cuts ?? [])]),
      ...messageEnd("tool_use", { input_tokens: 40, output_tokens: 25 })
    ],
    expected: { thinking: options.thinking, signature, toolUse: { id, name: options.name, input: options.input }, stopReason: "tool_use" }
  }
}

/** A finished turn with no content: message_start, ping, message_stop. */
export const emptyTurn = (model: string): Transcript => ({
  frames: [messageStart(model, hex("empty", 32)), ping(), frame({ type: "message_stop" })],
  expected: { stopReason: "end_turn" }
})

/** Thinking, then an `event: error` in the middle of the stream. */
export const midStreamError = (model: string, type = "overloaded_error", message = "server cluster is under high load (2064)"): Transcript => ({
  frames: [
    messageStart(model, hex("midstream", 32)),
    ...thinkingBlock(0, ["Let me think"], hex("sig:midstream", 64)),
    { event: "error", data: { type: "error", error: { type, message }, request_id: hex("req:midstream", 32) } }
  ],
  expected: { stopReason: "error" }
})

export const encodeSse = (frames: ReadonlyArray<SseFrame>, lineEnding: "\n" | "\r\n" | "\r" = "\n"): string =>
  frames.map((f) => `event: ${f.event}${lineEnding}data: ${JSON.stringify(f.data)}${lineEnding}${lineEnding}`).join("")

/** A reply without thinking: M3 when it was not asked to think. */
export const textOnly = (model: string, text: string, seed = text): Transcript => ({
  frames: [
    messageStart(model, hex(`msg:${seed}`, 32)),
    ping(),
    ...textBlock(0, tokenize(text)),
    ...messageEnd("end_turn", { input_tokens: 12, output_tokens: Math.ceil(text.length / 4) })
  ],
  expected: { text, stopReason: "end_turn" }
})

/** The reply the fake plays when nothing was scripted: it thinks about the prompt, then answers. */
export const defaultTranscript = (model: string, fullPrompt: string): Transcript => {
  const prompt = fullPrompt.length > 80 ? `${fullPrompt.slice(0, 77)}...` : fullPrompt
  if (/\b(tool|weather)\b/i.test(prompt)) {
    return thinkingThenToolUse({
      model,
      thinking: `The user asks: "${prompt}". I should call the weather tool.`,
      name: "get_weather",
      input: { city: "Shanghai", unit: "celsius" },
      cuts: [3, 11, 20],
      seed: prompt
    })
  }
  return thinkingThenText({
    model,
    thinking: `The user said "${prompt}". This is the fake MiniMax, so I will answer briefly and say so.`,
    text: `Hello from the fake MiniMax (${model}). You said: ${prompt}`,
    seed: prompt
  })
}
