/**
 * The hot path's shortcut. Nearly every event of a stream is a text or thinking delta written
 * exactly as MiniMax and Anthropic write it:
 * `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}`.
 * Such an event is read here without `JSON.parse` and the Schema walk, which were the largest
 * cost left per event. Anything else (other key order, spaces, extra fields) gives `undefined`
 * and goes through the Schema (./AnthropicEvent.ts), which stays the definition of the shape;
 * test/stream/CompactDelta.test.ts checks the two agree on any value and any edit.
 *
 * Every check is a fixed-prefix comparison or one linear scan: nothing recurses or backtracks in
 * proportion to the delta, whose text may be megabytes long. A prefix is compared as a slice
 * (`slice(…) === PREFIX`): `startsWith` on the parser's sliced strings took five times as long,
 * and was half the cost of reading a delta.
 */
import type { ContentBlockDeltaEvent } from "./AnthropicEvent.ts"

const PREFIX = `{"type":"content_block_delta","index":`
const TEXT_MIDDLE = `,"delta":{"type":"text_delta","text":"`
const THINKING_MIDDLE = `,"delta":{"type":"thinking_delta","thinking":"`
const SUFFIX = `"}}`
const QUOTE = 34
const BACKSLASH = 92
const MAX_INDEX_DIGITS = 9

const hasAt = (data: string, at: number, part: string) => data.slice(at, at + part.length) === part

/** Whether a JSON string's body holds a quote, a backslash or a control character, which need escapes. */
const needsEscapes = (body: string): boolean => {
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i)
    if (code < 32 || code === QUOTE || code === BACKSLASH) return true
  }
  return false
}

/** The compact text or thinking delta in `data`, or `undefined` when `data` is written any other way. */
export const readCompactDelta = (data: string): ContentBlockDeltaEvent | undefined => {
  if (!hasAt(data, 0, PREFIX) || !data.endsWith(SUFFIX)) return undefined
  let position = PREFIX.length
  let index = 0
  const first = position
  for (let code = data.charCodeAt(position); code >= 48 && code <= 57; code = data.charCodeAt(++position)) {
    index = index * 10 + code - 48
  }
  const digits = position - first
  if (digits === 0 || digits > MAX_INDEX_DIGITS || (digits > 1 && data.charCodeAt(first) === 48)) return undefined
  const isText = hasAt(data, position, TEXT_MIDDLE)
  if (!isText && !hasAt(data, position, THINKING_MIDDLE)) return undefined
  const start = position + (isText ? TEXT_MIDDLE : THINKING_MIDDLE).length
  const end = data.length - SUFFIX.length
  if (end < start) return undefined
  const body = data.slice(start, end)
  let value: string
  if (!needsEscapes(body)) value = body
  else if (body.indexOf("\\") < 0) return undefined
  else {
    try {
      value = JSON.parse(`"${body}"`) as string
    } catch {
      return undefined
    }
  }
  return isText
    ? { type: "content_block_delta", index, delta: { type: "text_delta", text: value } }
    : { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: value } }
}

/** The text a compact delta carries. */
export const deltaText = (event: ContentBlockDeltaEvent): string =>
  event.delta.type === "text_delta" ? event.delta.text ?? "" : event.delta.type === "thinking_delta" ? event.delta.thinking ?? "" : ""

/** A compact delta of the same block and kind carrying `text` instead. */
export const joinedDelta = (event: ContentBlockDeltaEvent, text: string): ContentBlockDeltaEvent =>
  event.delta.type === "text_delta"
    ? { type: "content_block_delta", index: event.index, delta: { type: "text_delta", text } }
    : { type: "content_block_delta", index: event.index, delta: { type: "thinking_delta", thinking: text } }
