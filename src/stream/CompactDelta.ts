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
 * proportion to the delta, whose text may be megabytes long.
 */
import type { ContentBlockDeltaEvent } from "./AnthropicEvent.ts"

const PREFIX = `{"type":"content_block_delta","index":`
const TEXT_MIDDLE = `,"delta":{"type":"text_delta","text":"`
const THINKING_MIDDLE = `,"delta":{"type":"thinking_delta","thinking":"`
const SUFFIX = `"}}`
/** What a JSON string's body may not hold unescaped: a quote, a backslash, a control character. */
const FORBIDDEN = /["\\\u0000-\u001f]/
const MAX_INDEX_DIGITS = 9

/** The compact text or thinking delta in `data`, or `undefined` when `data` is written any other way. */
export const readCompactDelta = (data: string): ContentBlockDeltaEvent | undefined => {
  if (!data.startsWith(PREFIX) || !data.endsWith(SUFFIX)) return undefined
  let position = PREFIX.length
  let index = 0
  const first = position
  for (let code = data.charCodeAt(position); code >= 48 && code <= 57; code = data.charCodeAt(++position)) {
    index = index * 10 + code - 48
  }
  const digits = position - first
  if (digits === 0 || digits > MAX_INDEX_DIGITS || (digits > 1 && data.charCodeAt(first) === 48)) return undefined
  const isText = data.startsWith(TEXT_MIDDLE, position)
  if (!isText && !data.startsWith(THINKING_MIDDLE, position)) return undefined
  const start = position + (isText ? TEXT_MIDDLE : THINKING_MIDDLE).length
  const end = data.length - SUFFIX.length
  if (end < start) return undefined
  const body = data.slice(start, end)
  let value: string
  if (body.indexOf("\\") < 0) {
    if (FORBIDDEN.test(body)) return undefined
    value = body
  } else {
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
