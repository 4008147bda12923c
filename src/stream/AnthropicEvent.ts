/**
 * The Anthropic Messages stream events, as MiniMax sends them. The schemas are loose where
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

export const ContentBlockStart = Schema.Struct({
  type: Schema.Literal("content_block_start"),
  index: Schema.Int,
  content_block: Schema.Struct({
    type: Schema.String,
    text: optionalString,
    thinking: optionalString,
    signature: optionalString,
    data: optionalString,
    id: optionalString,
    name: optionalString,
    input: Schema.optionalKey(Schema.Unknown)
  })
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

const decoders: Record<string, (input: unknown) => Result.Result<AnthropicEvent, Schema.SchemaError>> = {
  message_start: Schema.decodeUnknownResult(MessageStart),
  content_block_start: Schema.decodeUnknownResult(ContentBlockStart),
  content_block_delta: Schema.decodeUnknownResult(ContentBlockDelta),
  content_block_stop: Schema.decodeUnknownResult(ContentBlockStop),
  message_delta: Schema.decodeUnknownResult(MessageDelta),
  message_stop: Schema.decodeUnknownResult(MessageStop),
  ping: Schema.decodeUnknownResult(Ping),
  error: Schema.decodeUnknownResult(ErrorEvent)
}

const formatIssue = SchemaIssue.makeFormatterDefault()

const isOptionalString = (value: unknown) => value === undefined || value === null || typeof value === "string"

/**
 * Nearly every event of a stream is a `content_block_delta`. One that already has exactly the
 * shape `ContentBlockDelta` accepts is taken as is, skipping the Schema walk; any other goes
 * through the Schema, which stays the definition of the shape.
 */
const isPlainDelta = (record: Record<string, unknown>): boolean => {
  if (record.type !== "content_block_delta" || !Number.isInteger(record.index)) return false
  const delta = record.delta as Record<string, unknown> | null | undefined
  return typeof delta === "object" && delta !== null && typeof delta.type === "string" &&
    isOptionalString(delta.text) && isOptionalString(delta.thinking) &&
    isOptionalString(delta.signature) && isOptionalString(delta.partial_json)
}

const DELTA_PREFIX = `{"type":"content_block_delta","index":`
const TEXT_DELTA_MIDDLE = `,"delta":{"type":"text_delta","text":"`
const THINKING_DELTA_MIDDLE = `,"delta":{"type":"thinking_delta","thinking":"`
/** Where the two middles first differ: `te`xt_delta against `th`inking_delta. */
const KIND_AT = `,"delta":{"type":"t`.length
const E = 101
/**
 * The whole compact delta, its string a JSON string literal. V8 runs this regex several times
 * faster than `startsWith` over the sliced strings the SSE parser hands out.
 */
const COMPACT_DELTA = /^\{"type":"content_block_delta","index":(?:0|[1-9]\d{0,8}),"delta":\{"type":"(?:text_delta","text|thinking_delta","thinking)":"(?:[^"\\\u0000-\u001f]|\\.)*"\}\}$/

/**
 * A text or thinking delta written the way MiniMax and Anthropic write it, byte for byte:
 * `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}`.
 * Read without `JSON.parse`, which was the largest cost left on the hot path. Anything else
 * (other key order, spaces, extra fields) gives `undefined` and goes the general way.
 * test/stream/AnthropicEvent.test.ts checks it against `JSON.parse`.
 */
export const readCompactTextDelta = (data: string): AnthropicEvent | undefined => {
  if (!COMPACT_DELTA.test(data)) return undefined
  let position = DELTA_PREFIX.length
  let index = 0
  for (let code = data.charCodeAt(position); code >= 48 && code <= 57; code = data.charCodeAt(++position)) {
    index = index * 10 + code - 48
  }
  const isText = data.charCodeAt(position + KIND_AT) === E
  let value = data.slice(position + (isText ? TEXT_DELTA_MIDDLE : THINKING_DELTA_MIDDLE).length, data.length - 3)
  if (value.includes("\\")) {
    try {
      value = JSON.parse(`"${value}"`) as string
    } catch {
      return undefined
    }
  }
  return isText
    ? { type: "content_block_delta", index, delta: { type: "text_delta", text: value } }
    : { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: value } }
}

/** What one SSE event turned out to be. */
export type DecodedEvent =
  | { readonly _tag: "Event"; readonly event: AnthropicEvent }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * Decodes one SSE event. The JSON `type` names the event; the SSE `event:` name stands in
 * when `data` has none.
 */
export const decodeAnthropicEvent = (sse: SseEvent): DecodedEvent => {
  const compact = readCompactTextDelta(sse.data)
  if (compact !== undefined) return { _tag: "Event", event: compact }
  let json: unknown
  try {
    json = JSON.parse(sse.data)
  } catch {
    return { _tag: "Invalid", reason: `the data of a "${sse.event}" event is not JSON` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Invalid", reason: `the data of a "${sse.event}" event is not a JSON object` }
  }
  const record = json as Record<string, unknown>
  if (isPlainDelta(record)) return { _tag: "Event", event: record as unknown as AnthropicEvent }
  const type = typeof record.type === "string" ? record.type : sse.event
  const decode = decoders[type]
  if (decode === undefined) return { _tag: "Unknown" }
  const result = decode(type === record.type ? record : { ...record, type })
  return Result.isSuccess(result)
    ? { _tag: "Event", event: result.success }
    : { _tag: "Invalid", reason: `a "${type}" event does not have the expected shape: ${formatIssue(result.failure.issue)}` }
}
