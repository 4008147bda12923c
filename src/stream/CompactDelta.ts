/**
 * The hot path's shortcut. Nearly every event of a stream is a text or thinking delta written
 * exactly as MiniMax and Anthropic write it:
 * `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}`.
 * Such an event is read here without `JSON.parse` and the Schema walk, which were the largest
 * cost left per event. Anything else (other key order, spaces, extra fields) gives `undefined`
 * and goes through the Schema (./AnthropicEvent.ts), which stays the definition of the shape;
 * test/stream/CompactDelta.test.ts checks the two agree on any value and any edit.
 *
 * Every check is one sticky regex test of the fixed prefix or one linear scan: nothing recurses
 * or backtracks in proportion to the delta, whose text may be megabytes long. (`startsWith` on
 * the parser's sliced strings took five times as long as a test, and was half the cost of
 * reading a delta.) The same prefix and body rules read a data line (`readCompactDelta`) and
 * whole events in SSE text (`readCompactFrames`).
 */
import type { ContentBlockDeltaEvent } from "./AnthropicEvent.ts"
import { detached } from "./detached.ts"

const PREFIX = `{"type":"content_block_delta","index":`
const SUFFIX = `"}}`
const QUOTE = 34
const BACKSLASH = 92
const CLOSE_BRACE = 125
const LF = 10
const LOWER_T = 116
const LOWER_E = 101

/**
 * A compact delta's fixed prefix, up to its text: the index (no leading zero, at most 9 digits)
 * and the kind. Sticky and linear (no quantifier can match what follows it); only tested, since
 * captures cost more than reading the index again.
 */
const DELTA_HEAD = /\{"type":"content_block_delta","index":(?:0|[1-9]\d{0,8}),"delta":\{"type":"(?:text_delta","text|thinking_delta","thinking)":"/y
const EVENT_LINE = "event: content_block_delta\n"
const DATA_FIELD = "data: "
/** The same prefix as an SSE event's: after its event line (or none) and the data field. */
const FRAME_HEAD = new RegExp(`(?:${EVENT_LINE})?${DATA_FIELD}${DELTA_HEAD.source}`, "y")

/** Whether a JSON string's body holds a quote, a backslash or a control character, which need escapes. */
const needsEscapes = (body: string): boolean => {
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i)
    if (code < 32 || code === QUOTE || code === BACKSLASH) return true
  }
  return false
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

/** What `readDelta` read last: set only when it returns true. */
const read = { index: 0, isText: false, value: "" }

/**
 * Whether `text[start, end)` is exactly a compact text or thinking delta whose prefix (DELTA_HEAD)
 * is known to end at `bodyStart`; if so, its index, kind and text are in `read` (no object per
 * event: this runs once per delta of every stream).
 */
const readDeltaBody = (text: string, start: number, bodyStart: number, end: number): boolean => {
  const bodyEnd = end - SUFFIX.length
  if (
    bodyEnd < bodyStart ||
    text.charCodeAt(bodyEnd) !== QUOTE || text.charCodeAt(bodyEnd + 1) !== CLOSE_BRACE || text.charCodeAt(bodyEnd + 2) !== CLOSE_BRACE
  ) return false
  const value = bodyValue(text.slice(bodyStart, bodyEnd))
  if (value === undefined) return false
  let index = 0
  for (let at = start + PREFIX.length, code = text.charCodeAt(at); code >= 48 && code <= 57; code = text.charCodeAt(++at)) {
    index = index * 10 + code - 48
  }
  read.index = index
  // `…"text":"` or `…"thinking":"`
  read.isText = text.charCodeAt(bodyStart - 4) === LOWER_T
  read.value = value
  return true
}

/**
 * The compact text or thinking delta in `data`, or `undefined` when `data` is written any other
 * way. Its text is a string of its own, not a slice of the chunk `data` came from (./detached.ts).
 */
export const readCompactDelta = (data: string): ContentBlockDeltaEvent | undefined => {
  DELTA_HEAD.lastIndex = 0
  return DELTA_HEAD.test(data) && readDeltaBody(data, 0, DELTA_HEAD.lastIndex, data.length)
    ? deltaOf(read.index, read.isText, detached(read.value))
    : undefined
}

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
    const dataStart = position + (text.charCodeAt(position) === LOWER_E ? EVENT_LINE.length : 0) + DATA_FIELD.length
    const lineEnd = text.indexOf("\n", bodyStart)
    if (lineEnd < 0 || text.charCodeAt(lineEnd + 1) !== LF || !readDeltaBody(text, dataStart, bodyStart, lineEnd)) break
    if (pieces.length > 0 && (read.index !== index || read.isText !== isText)) break
    index = read.index
    isText = read.isText
    pieces.push(read.value)
    position = lineEnd + 2
  }
  if (pieces.length === 0) return undefined
  return { event: deltaOf(index, isText, textOf(pieces)), end: position }
}

/**
 * The texts of a run of deltas as one string of its own: joined, or the one piece copied, since a
 * piece is a slice of the upstream chunk and the block keeps its text until it ends (./detached.ts).
 */
const textOf = (pieces: ReadonlyArray<string>): string => pieces.length === 1 ? detached(pieces[0]!) : pieces.join("")
