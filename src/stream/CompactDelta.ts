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
import { detached } from "./detached.ts"

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
  const value = bodyValue(data.slice(start, end))
  if (value === undefined) return undefined
  return deltaOf(index, isText, value)
}

/** A JSON string's body as its value: as it is when it needs no escapes, else through `JSON.parse`; `undefined` when invalid. */
const bodyValue = (body: string): string | undefined => {
  if (!needsEscapes(body)) return body
  if (body.indexOf("\\") < 0) return undefined
  try {
    return JSON.parse(`"${body}"`) as string
  } catch {
    return undefined
  }
}

const deltaOf = (index: number, isText: boolean, value: string): ContentBlockDeltaEvent =>
  isText
    ? { type: "content_block_delta", index, delta: { type: "text_delta", text: value } }
    : { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: value } }

/**
 * The start of a whole compact delta event in SSE text, up to its text: an optional
 * `event: content_block_delta` line, then the data line's fixed prefix, the index (no leading
 * zero, at most 9 digits) and the kind. Sticky and linear (no quantifier can match what
 * follows it); only tested, since captures cost more than reading the index again.
 */
const FRAME_HEAD = /(?:event: content_block_delta\n)?data: \{"type":"content_block_delta","index":(?:0|[1-9]\d{0,8}),"delta":\{"type":"(?:text_delta","text|thinking_delta","thinking)":"/y
const EVENT_LINE = "event: content_block_delta\n"
const DATA_PREFIX = `data: ${PREFIX}`
const LF = 10
const CLOSE_BRACE = 125
const LOWER_E = 101
const LOWER_T = 116

/** Whole compact delta events read straight from SSE text, their texts joined, and where they end. */
export interface CompactFrames {
  readonly event: ContentBlockDeltaEvent
  readonly end: number
}

/**
 * The hot path's shortcut one level down: compact delta events read from the SSE text itself,
 * at `at`, where an event starts. Each must be whole in `text`, LF-framed and exactly as
 * `readCompactDelta` reads its data line: `event: content_block_delta` (or no event line),
 * `data: <compact delta>`, a blank line. Consecutive ones for the same block and kind are
 * read as one delta with their texts joined (what `coalesceDeltas` makes of them anyway).
 * `undefined` when the text at `at` is anything else; the SSE parser then reads it. This
 * skips a string and an object per line and per event, which were most of the time and
 * garbage left per event.
 */
export const readCompactFrames = (text: string, at: number): CompactFrames | undefined => {
  let position = at
  let index = -1
  let isText = false
  const pieces: Array<string> = []
  for (;;) {
    FRAME_HEAD.lastIndex = position
    if (!FRAME_HEAD.test(text)) break
    const bodyStart = FRAME_HEAD.lastIndex
    let digit = position + (text.charCodeAt(position) === LOWER_E ? EVENT_LINE.length : 0) + DATA_PREFIX.length
    let frameIndex = 0
    for (let code = text.charCodeAt(digit); code >= 48 && code <= 57; code = text.charCodeAt(++digit)) frameIndex = frameIndex * 10 + code - 48
    // `…"text":"` or `…"thinking":"`
    const frameIsText = text.charCodeAt(bodyStart - 4) === LOWER_T
    if (pieces.length > 0 && (frameIndex !== index || frameIsText !== isText)) break
    const lineEnd = text.indexOf("\n", bodyStart)
    const bodyEnd = lineEnd - SUFFIX.length
    if (
      lineEnd < 0 || bodyEnd < bodyStart || text.charCodeAt(lineEnd + 1) !== LF ||
      text.charCodeAt(bodyEnd) !== QUOTE || text.charCodeAt(bodyEnd + 1) !== CLOSE_BRACE || text.charCodeAt(bodyEnd + 2) !== CLOSE_BRACE
    ) break
    const value = bodyValue(text.slice(bodyStart, bodyEnd))
    if (value === undefined) break
    pieces.push(value)
    index = frameIndex
    isText = frameIsText
    position = lineEnd + 2
  }
  if (pieces.length === 0) return undefined
  return { event: deltaOf(index, isText, textOf(pieces)), end: position }
}

/**
 * The texts of a run of deltas as one string of its own: joined, or the one piece copied, since a
 * piece is a slice of the upstream chunk and the block keeps its text until it ends (./detached.ts).
 */
export const textOf = (pieces: ReadonlyArray<string>): string => pieces.length === 1 ? detached(pieces[0]!) : pieces.join("")

/** The text a compact delta carries. */
export const deltaText = (event: ContentBlockDeltaEvent): string =>
  event.delta.type === "text_delta" ? event.delta.text ?? "" : event.delta.type === "thinking_delta" ? event.delta.thinking ?? "" : ""

/** A compact delta of the same block and kind carrying `text` instead. */
export const joinedDelta = (event: ContentBlockDeltaEvent, text: string): ContentBlockDeltaEvent =>
  event.delta.type === "text_delta"
    ? { type: "content_block_delta", index: event.index, delta: { type: "text_delta", text } }
    : { type: "content_block_delta", index: event.index, delta: { type: "thinking_delta", thinking: text } }
