/**
 * The pure decoder of one response, top to bottom:
 *
 *   text → SSE events (./SseDecoder.ts) → AnthropicEvent (./CompactDelta.ts, else the Schema
 *   in ./AnthropicEvent.ts) → BlockReducer → TurnEvent
 *
 * It works per upstream chunk: every chunk of text becomes at most one array of TurnEvents,
 * which the SDK relays as one stdout write. A whole JSON message comes in as its events
 * (`feedEvents`). No I/O, no fibers, no clock: tested on plain values; ./responseEvents.ts
 * runs it over the response stream.
 */
import { parseJsonExact, type TurnEvent } from "@plexum/sdk"
import { isMismatchedSignature } from "../minimax/thinkingSignature.ts"
import { type AnthropicEvent, decodeAnthropicEvent } from "./AnthropicEvent.ts"
import { type BlockState, endOfStream, initialBlockState, type ReducerStep, reduceBlockEvents, type TurnShape } from "./BlockReducer.ts"
import { coalesceDeltas } from "./coalesceDeltas.ts"
import { readCompactDelta, readCompactFrames } from "./CompactDelta.ts"
import { makeSseParser, type SseEvent } from "./SseDecoder.ts"
import type { StreamFault } from "./StreamFault.ts"

/**
 * The most stream text one reply may carry. MiniMax's largest reply (M3's 524,288 output tokens,
 * one delta event each) is about 60 million characters; without a bound, a broken or hostile
 * upstream that never ends would grow the turn's blocks until V8's string limit (a RangeError
 * near 537 million characters, after about 1 GiB of RSS).
 */
export const MAX_REPLY_SIZE = 256 * 1024 * 1024

export interface TurnDecoderOptions extends TurnShape {
  /** Characters of stream text after which the turn ends with a TooLarge fault; MAX_REPLY_SIZE unless set. */
  readonly maxReplySize?: number | undefined
  /** Applied to the upstream's message id and model before they are relayed (the key never leaves). */
  readonly scrub?: ((text: string) => string) | undefined
}

/** What one chunk of text produced: the events, then the fault that ends the turn, if any. */
export interface ChunkOutcome {
  readonly events: ReadonlyArray<TurnEvent>
  readonly fault?: StreamFault | undefined
  /** The chunk completed at least one SSE line: the upstream is alive. */
  readonly completedLine: boolean
  /** What the turn's log should warn about (another model answered; a signature that signs nothing). */
  readonly warnings?: ReadonlyArray<string> | undefined
  /** What the turn's log says at debug (a stray reasoning closer dropped). */
  readonly debug?: ReadonlyArray<string> | undefined
}

/**
 * Warnings about `events`: the model that answered is not the one asked for (MiniMax answers
 * an unknown id with the account's default model), or a thinking block's 64-hex signature is
 * not the SHA-256 of its text (a stream truncated or altered on the way). The block is relayed
 * unchanged either way.
 */
const warningsOf = (events: ReadonlyArray<TurnEvent>, requested: string, messageId: () => string): Array<string> => {
  const warnings: Array<string> = []
  for (const event of events) {
    if (event.type === "turn_start" && event.model !== requested) {
      warnings.push(`MiniMax answered with ${event.model}, not the ${requested} that was asked for (message ${event.messageId})`)
    } else if (event.type === "block_stop" && event.block.type === "thinking" && isMismatchedSignature(event.block.thinking, event.block.signature)) {
      warnings.push(`the signature of thinking block ${event.index} is not the SHA-256 of its text: the stream was truncated or altered (request ${messageId()})`)
    }
  }
  return warnings
}

/**
 * The incremental decoder of one response: `feed` takes each chunk of response text,
 * `feedEvents` the events of a whole message, and `end` says what the end of the response means.
 */
export interface TurnDecoder {
  readonly feed: (chunk: string) => ChunkOutcome
  readonly feedEvents: (events: ReadonlyArray<AnthropicEvent>) => ChunkOutcome
  readonly end: () => ChunkOutcome
}

const decodeEvents = (events: ReadonlyArray<SseEvent>): { readonly events: Array<AnthropicEvent>; readonly fault?: StreamFault } => {
  const decoded: Array<AnthropicEvent> = []
  for (const sse of events) {
    const compact = readCompactDelta(sse.data)
    if (compact !== undefined) {
      decoded.push(compact)
      continue
    }
    const event = decodeAnthropicEvent(sse, parseJsonExact)
    switch (event._tag) {
      case "Event":
        decoded.push(event.event)
        break
      case "Unknown":
        break
      case "Invalid":
        return { events: decoded, fault: { _tag: "Malformed", message: event.reason } }
    }
  }
  return { events: decoded }
}

export const makeTurnDecoder = (options: TurnDecoderOptions): TurnDecoder => {
  const sse = makeSseParser()
  const maxReplySize = options.maxReplySize ?? MAX_REPLY_SIZE
  let received = 0
  let state: BlockState = initialBlockState(options)
  let started = false
  let messageId = ""
  const scrubbed = (events: ReadonlyArray<TurnEvent>): ReadonlyArray<TurnEvent> => {
    if (started) return events
    const scrub = options.scrub ?? ((text: string) => text)
    return events.map((event) => {
      if (event.type !== "turn_start") return event
      started = true
      messageId = scrub(event.messageId)
      return { ...event, messageId, model: scrub(event.model) }
    })
  }
  const reduce = (anthropicEvents: ReadonlyArray<AnthropicEvent>, fault: StreamFault | undefined, completedLine: boolean): ChunkOutcome => {
    const before = state.strayClosers
    const step: ReducerStep = reduceBlockEvents(state, anthropicEvents)
    state = step.state
    const events = scrubbed(step.events)
    const dropped = step.state.strayClosers - before
    return {
      events,
      fault: step.fault ?? fault,
      completedLine,
      warnings: warningsOf(events, options.model, () => messageId),
      ...(dropped > 0 ? { debug: [`dropped ${dropped} stray reasoning closer(s) at the start of a text block (${step.state.strayClosers} in this turn)`] } : {})
    }
  }
  /**
   * One chunk: where an event starts, whole compact deltas are read straight from the text;
   * the SSE parser reads everything else, one event at a time (up to the next blank line) so
   * that the shortcut can take over again after it.
   */
  const feed = (chunk: string): ChunkOutcome => {
    received += chunk.length
    if (received > maxReplySize) return { events: [], fault: { _tag: "TooLarge", what: "reply", limit: maxReplySize }, completedLine: false }
    const anthropicEvents: Array<AnthropicEvent> = []
    let completedLine = false
    let fault: StreamFault | undefined
    let position = 0
    while (position < chunk.length && fault === undefined) {
      const frames = sse.atEventStart() ? readCompactFrames(chunk, position) : undefined
      if (frames !== undefined) {
        anthropicEvents.push(frames.event)
        completedLine = true
        position = frames.end
        continue
      }
      const blankLine = chunk.indexOf("\n\n", position)
      const end = blankLine < 0 ? chunk.length : blankLine + 2
      const parsed = sse.feed(position === 0 && end === chunk.length ? chunk : chunk.slice(position, end))
      if (parsed._tag === "TooLarge") {
        fault = { _tag: "TooLarge", what: "event", limit: parsed.maxEventSize }
        break
      }
      completedLine ||= parsed.completedLine
      const decoded = decodeEvents(parsed.events)
      for (const event of decoded.events) anthropicEvents.push(event)
      fault = decoded.fault
      position = end
    }
    const outcome = reduce(anthropicEvents, fault, completedLine)
    return { ...outcome, events: coalesceDeltas(outcome.events) }
  }
  const end = (): ChunkOutcome => {
    const last = sse.end()
    const before: ChunkOutcome = last === undefined ? { events: [], completedLine: true } : reduce(decodeEvents([last]).events, undefined, true)
    if (before.fault !== undefined || state.phase === "done") return { ...before, completedLine: true }
    const step = endOfStream(state)
    state = step.state
    const events = scrubbed(step.events)
    return {
      events: [...before.events, ...events],
      fault: step.fault,
      completedLine: true,
      warnings: [...(before.warnings ?? []), ...warningsOf(events, options.model, () => messageId)],
      ...(before.debug === undefined ? {} : { debug: before.debug })
    }
  }
  const feedEvents = (events: ReadonlyArray<AnthropicEvent>): ChunkOutcome => {
    const outcome = reduce(events, undefined, true)
    return { ...outcome, events: coalesceDeltas(outcome.events) }
  }
  return { feed, feedEvents, end }
}

/** The chunk outcomes of several chunks in a row, up to the first fault. */
export const feedAll = (decoder: TurnDecoder, chunks: ReadonlyArray<string>): ChunkOutcome => {
  if (chunks.length === 1) return decoder.feed(chunks[0]!)
  const events: Array<TurnEvent> = []
  const warnings: Array<string> = []
  const debug: Array<string> = []
  let completedLine = false
  for (const chunk of chunks) {
    const outcome = decoder.feed(chunk)
    for (const event of outcome.events) events.push(event)
    if (outcome.warnings !== undefined) warnings.push(...outcome.warnings)
    if (outcome.debug !== undefined) debug.push(...outcome.debug)
    completedLine ||= outcome.completedLine
    if (outcome.fault !== undefined) return { events, fault: outcome.fault, completedLine, warnings, debug }
  }
  return { events, completedLine, warnings, debug }
}
