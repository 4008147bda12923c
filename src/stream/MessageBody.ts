/**
 * A whole (non-streaming) Messages response, as the SSE text of the stream that would have
 * carried it. Some proxies and MiniMax versions answer a streaming request with one JSON
 * message; relaying it through the same decoder and reducer keeps one path for every answer.
 * Pure.
 */
import { Option, Schema } from "effect"

const Block = Schema.Struct({
  type: Schema.String,
  text: Schema.optionalKey(Schema.String),
  thinking: Schema.optionalKey(Schema.String),
  signature: Schema.optionalKey(Schema.String),
  data: Schema.optionalKey(Schema.String),
  id: Schema.optionalKey(Schema.String),
  name: Schema.optionalKey(Schema.String),
  input: Schema.optionalKey(Schema.Unknown)
})

/** Anthropic's non-streaming message; unknown fields are ignored. */
export const MessageBody = Schema.Struct({
  type: Schema.Literal("message"),
  id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  model: Schema.optionalKey(Schema.NullOr(Schema.String)),
  content: Schema.Array(Block),
  stop_reason: Schema.optionalKey(Schema.NullOr(Schema.String)),
  stop_sequence: Schema.optionalKey(Schema.NullOr(Schema.String)),
  usage: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)))
})

const decodeMessage = Schema.decodeUnknownOption(MessageBody)

const event = (data: { readonly type: string } & Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

const blockEvents = (block: typeof Block.Type, index: number): Array<string> => {
  const delta = (payload: Record<string, unknown>) => event({ type: "content_block_delta", index, delta: payload })
  switch (block.type) {
    case "text":
      return [
        event({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
        delta({ type: "text_delta", text: block.text ?? "" })
      ]
    case "thinking":
      return [
        event({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } }),
        delta({ type: "thinking_delta", thinking: block.thinking ?? "" }),
        ...(block.signature ? [delta({ type: "signature_delta", signature: block.signature })] : [])
      ]
    case "tool_use":
      return [
        event({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }),
        delta({ type: "input_json_delta", partial_json: JSON.stringify(block.input ?? {}) })
      ]
    default:
      return [event({ type: "content_block_start", index, content_block: block })]
  }
}

/** The SSE text for `json`, or undefined when it is not a message. */
export const sseOfMessage = (json: unknown): string | undefined => {
  const decoded = decodeMessage(json)
  if (Option.isNone(decoded)) return undefined
  const message = decoded.value
  const usage = message.usage ?? undefined
  return [
    event({ type: "message_start", message: { id: message.id, model: message.model, usage } }),
    ...message.content.flatMap((block, index) => [...blockEvents(block, index), event({ type: "content_block_stop", index })]),
    event({ type: "message_delta", delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage }),
    event({ type: "message_stop" })
  ].join("")
}
