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
import { Array as Arr, Cause, Effect, Pull, Stream } from "effect"
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
export interface TurnDecoder {
  readonly feed: (chunk: string) => ChunkOutcome
  readonly end: () => ReducerFault | undefined
}

export const makeTurnDecoder = (options: TurnStreamOptions): TurnDecoder => {
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

/** The chunk outcomes of several chunks in a row, up to the first fault. */
const feedAll = (decoder: TurnDecoder, chunks: ReadonlyArray<string>): ChunkOutcome => {
  if (chunks.length === 1) return decoder.feed(chunks[0]!)
  const events: Array<TurnEvent> = []
  for (const chunk of chunks) {
    const outcome = decoder.feed(chunk)
    for (const event of outcome.events) events.push(event)
    if (outcome.fault !== undefined) return { events, fault: outcome.fault }
  }
  return { events }
}

/**
 * Turns raw response text into TurnEvents; `onFault` decides what a fault fails with.
 *
 * Each pull decodes the next text chunk and hands its events on as one array, keeping no
 * reference to either: a turn waiting for stdout then holds only its output bytes. (Built with
 * `Stream.flatMap` and `Stream.fromArray`, the text and the events of the last chunk stayed
 * reachable until the next pull; with 32 turns waiting, they survived every young-generation
 * collection, which grew V8's young generation to its largest size.)
 */
export const turnEventsFromText = <E, R, F>(
  text: Stream.Stream<string, E, R>,
  options: TurnStreamOptions,
  onFault: (fault: ReducerFault) => F
): Stream.Stream<TurnEvent, E | F, R> =>
  Stream.transformPull(text, (pullText) =>
    Effect.sync(() => {
      const decoder = makeTurnDecoder(options)
      /** Set when the turn is over: `turn_stop` was handed on, or a fault waits behind the events before it. */
      let over: Effect.Effect<never, F | Cause.Done> | undefined
      const settle = ({ events, fault }: ChunkOutcome): Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> => {
        const stop = events.findIndex((event) => event.type === "turn_stop")
        if (stop >= 0) over = Cause.done()
        else if (fault !== undefined) over = Effect.fail(onFault(fault))
        const emitted = stop < 0 || stop === events.length - 1 ? events : events.slice(0, stop + 1)
        return Arr.isReadonlyArrayNonEmpty(emitted) ? Effect.succeed(emitted) : pull
      }
      const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> = Effect.suspend(() =>
        over ?? Pull.matchEffect(pullText, {
          onSuccess: (chunks) => settle(feedAll(decoder, chunks)),
          onFailure: Effect.failCause,
          onDone: (): Effect.Effect<never, F | Cause.Done> => {
            const fault = decoder.end()
            return fault === undefined ? Cause.done() : Effect.fail(onFault(fault))
          }
        })
      )
      return pull
    }))
