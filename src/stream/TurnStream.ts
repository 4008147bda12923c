/**
 * The whole path from response text to TurnEvents, top to bottom:
 *
 *   text → SSE events → AnthropicEvent (Schema) → BlockReducer → TurnEvent
 *
 * It works per upstream chunk: every chunk of text becomes at most one array of TurnEvents,
 * which the SDK relays as one stdout write. The stream ends right after `turn_stop`, which
 * releases (aborts) the upstream request, as a stop-sequence match needs.
 */
import type { TurnEvent } from "@plexum/sdk"
import { Stream } from "effect"
import type { AnthropicEvent } from "./AnthropicEvent.ts"
import { decodeAnthropicEvent } from "./AnthropicEvent.ts"
import { type BlockState, endOfStream, initialBlockState, type ReducerFault, reduceBlockEvents } from "./BlockReducer.ts"
import { isSseEventTooLarge, makeSseParser } from "./SseDecoder.ts"

export interface TurnStreamOptions {
  readonly model: string
  readonly stopSequences?: ReadonlyArray<string> | undefined
}

/** What one chunk of text produced: the events, then the fault that ends the turn, if any. */
export interface ChunkOutcome {
  readonly events: ReadonlyArray<TurnEvent>
  readonly fault?: ReducerFault | undefined
}

/**
 * The incremental decoder behind the stream: `feed` takes each chunk of response text,
 * `end` says what the end of the response means.
 */
export const makeTurnDecoder = (options: TurnStreamOptions) => {
  const sse = makeSseParser()
  let state: BlockState = initialBlockState(options)
  const feed = (chunk: string): ChunkOutcome => {
    const parsed = sse.feed(chunk)
    if (isSseEventTooLarge(parsed)) {
      return { events: [], fault: { _tag: "Protocol", message: `an SSE event is larger than ${parsed.maxEventSize} characters` } }
    }
    const anthropicEvents: Array<AnthropicEvent> = []
    let invalid: ReducerFault | undefined
    for (const event of parsed) {
      const decoded = decodeAnthropicEvent(event)
      if (decoded._tag === "Event") anthropicEvents.push(decoded.event)
      else if (decoded._tag === "Invalid") {
        invalid = { _tag: "Protocol", message: decoded.reason }
        break
      }
    }
    const step = reduceBlockEvents(state, anthropicEvents)
    state = step.state
    return { events: step.events, fault: step.fault ?? invalid }
  }
  return { feed, end: (): ReducerFault | undefined => endOfStream(state) }
}

/** Turns raw response text into TurnEvents; `onFault` decides what a fault fails with. */
export const turnEventsFromText = <E, R, F>(
  text: Stream.Stream<string, E, R>,
  options: TurnStreamOptions,
  onFault: (fault: ReducerFault) => F
): Stream.Stream<TurnEvent, E | F, R> =>
  Stream.suspend(() => {
    const decoder = makeTurnDecoder(options)
    const emit = ({ events, fault }: ChunkOutcome): Stream.Stream<TurnEvent, F> => {
      const emitted = events.length === 0 ? Stream.empty : Stream.fromArray(events)
      return fault === undefined ? emitted : Stream.concat(emitted, Stream.fail(onFault(fault)))
    }
    return text.pipe(
      Stream.flatMap((chunk) => emit(decoder.feed(chunk))),
      Stream.concat(Stream.suspend(() => emit({ events: [], fault: decoder.end() }))),
      Stream.takeUntil((event) => event.type === "turn_stop")
    )
  })
