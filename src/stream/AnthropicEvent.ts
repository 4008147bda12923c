/**
 * The Anthropic Messages stream events, as MiniMax sends them, as Schemas. The schemas are loose where
 * MiniMax is: a thinking start may carry no `signature`, signatures are hex, `message_delta`
 * may omit `stop_sequence` and usage, `stop_reason` may be `""`. Block and delta `type`s are
 * plain strings so that unknown ones reach the reducer, which skips them. Unknown event
 * types are dropped here, before any decoding.
 */
import { Result, Schema, SchemaIssue } from "effect"
import type { SseEvent } from "./SseDecoder.ts"

const optionalString = Schema.optionalKey(Schema.NullOr(Schema.String))
const optionalCount = Schema.optionalKey(Schema.NullOr(Schema.Number))

export const AnthropicUsage = Schema.Struct({
  input_tokens: optionalCount,
  output_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  cache_creation_input_tokens: optionalCount
})
export type AnthropicUsage = typeof AnthropicUsage.Type

export const MessageStart = Schema.Struct({
  type: Schema.Literal("message_start"),
  message: Schema.Struct({
    id: optionalString,
    model: optionalString,
    usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage))
  })
})

/** A content block as MiniMax writes one, in a `content_block_start` or in a whole message's `content`. */
export const AnthropicContentBlock = Schema.Struct({
  type: Schema.String,
  text: optionalString,
  thinking: optionalString,
  signature: optionalString,
  data: optionalString,
  id: optionalString,
  name: optionalString,
  input: Schema.optionalKey(Schema.Unknown)
})
export type AnthropicContentBlock = typeof AnthropicContentBlock.Type

export const ContentBlockStart = Schema.Struct({
  type: Schema.Literal("content_block_start"),
  index: Schema.Int,
  content_block: AnthropicContentBlock
})

export const ContentBlockDelta = Schema.Struct({
  type: Schema.Literal("content_block_delta"),
  index: Schema.Int,
  delta: Schema.Struct({
    type: Schema.String,
    text: optionalString,
    thinking: optionalString,
    signature: optionalString,
    partial_json: optionalString
  })
})

export const ContentBlockStop = Schema.Struct({
  type: Schema.Literal("content_block_stop"),
  index: Schema.Int
})

export const MessageDelta = Schema.Struct({
  type: Schema.Literal("message_delta"),
  delta: Schema.optionalKey(Schema.NullOr(Schema.Struct({ stop_reason: optionalString, stop_sequence: optionalString }))),
  usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage))
})

export const MessageStop = Schema.Struct({ type: Schema.Literal("message_stop") })
export const Ping = Schema.Struct({ type: Schema.Literal("ping") })

export const ErrorEvent = Schema.Struct({
  type: Schema.Literal("error"),
  error: Schema.optionalKey(Schema.NullOr(Schema.Struct({ type: optionalString, message: optionalString }))),
  request_id: optionalString
})

export const AnthropicEvent = Schema.Union([
  MessageStart,
  ContentBlockStart,
  ContentBlockDelta,
  ContentBlockStop,
  MessageDelta,
  MessageStop,
  Ping,
  ErrorEvent
])
export type AnthropicEvent = typeof AnthropicEvent.Type

export type ContentBlockDeltaEvent = typeof ContentBlockDelta.Type
export type MessageStartEvent = typeof MessageStart.Type
export type ContentBlockStartEvent = typeof ContentBlockStart.Type
export type MessageDeltaEvent = typeof MessageDelta.Type

const KNOWN_TYPES: ReadonlySet<string> = new Set(AnthropicEvent.members.map((member) => member.fields.type.literal))

const decodeUnion = Schema.decodeUnknownResult(AnthropicEvent)
const formatIssue = SchemaIssue.makeFormatterDefault()

/** What one SSE event turned out to be. */
export type DecodedEvent =
  | { readonly _tag: "Event"; readonly event: AnthropicEvent }
  /** An event type the API added since: ignored. */
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * Decodes one SSE event through the union. The JSON `type` names the event; the SSE `event:`
 * name stands in when `data` has none.
 */
export const decodeAnthropicEvent = (sse: SseEvent, parse: (text: string) => unknown = JSON.parse): DecodedEvent => {
  let json: unknown
  try {
    json = parse(sse.data)
  } catch {
    return { _tag: "Invalid", reason: `the data of a "${sse.event}" event is not JSON` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Invalid", reason: `the data of a "${sse.event}" event is not a JSON object` }
  }
  const record = json as Record<string, unknown>
  const type = typeof record.type === "string" ? record.type : sse.event
  if (!KNOWN_TYPES.has(type)) return { _tag: "Unknown" }
  const result = decodeUnion(type === record.type ? record : { ...record, type })
  return Result.isSuccess(result)
    ? { _tag: "Event", event: result.success }
    : { _tag: "Invalid", reason: `a "${type}" event does not have the expected shape: ${formatIssue(result.failure.issue)}` }
}
