/**
 * A whole (non-streaming) Messages response, as the events the stream that would have carried
 * it holds. Some proxies and MiniMax versions answer a streaming request with one JSON message;
 * the reducer takes its events as it takes a stream's, so every answer has one path from there.
 * Decoded once, by Schema. Pure.
 */
import { Option, Schema } from "effect"
import { AnthropicContentBlock, type AnthropicEvent, AnthropicUsage } from "./AnthropicEvent.ts"

/** Anthropic's non-streaming message; unknown fields are ignored. */
export const MessageBody = Schema.Struct({
  type: Schema.Literal("message"),
  id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  model: Schema.optionalKey(Schema.NullOr(Schema.String)),
  content: Schema.Array(AnthropicContentBlock),
  stop_reason: Schema.optionalKey(Schema.NullOr(Schema.String)),
  stop_sequence: Schema.optionalKey(Schema.NullOr(Schema.String)),
  usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage))
})

const decodeMessage = Schema.decodeUnknownOption(MessageBody)

const blockEvents = (block: AnthropicContentBlock, index: number): Array<AnthropicEvent> => {
  switch (block.type) {
    case "text":
      return [
        { type: "content_block_start", index, content_block: { type: "text", text: "" } },
        { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text ?? "" } }
      ]
    case "thinking":
      return [
        { type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } },
        { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: block.thinking ?? "" } },
        ...(block.signature ? [{ type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } } as const] : [])
      ]
    case "tool_use":
      return [
        { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id ?? null, name: block.name ?? null, input: {} } },
        { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input ?? {}) } }
      ]
    default:
      return [{ type: "content_block_start", index, content_block: block }]
  }
}

/** The events `json` holds, or undefined when it is not a message. */
export const eventsOfMessage = (json: unknown): ReadonlyArray<AnthropicEvent> | undefined => {
  const decoded = decodeMessage(json)
  if (Option.isNone(decoded)) return undefined
  const message = decoded.value
  const usage = message.usage ?? null
  return [
    { type: "message_start", message: { id: message.id ?? null, model: message.model ?? null, usage } },
    ...message.content.flatMap((block, index): Array<AnthropicEvent> => [...blockEvents(block, index), { type: "content_block_stop", index }]),
    { type: "message_delta", delta: { stop_reason: message.stop_reason ?? null, stop_sequence: message.stop_sequence ?? null }, usage },
    { type: "message_stop" }
  ]
}
