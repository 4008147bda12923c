/**
 * The whole path from response bytes to TurnEvents, top to bottom:
 *
 *   bytes → text → SSE events → AnthropicEvent (Schema) → BlockReducer → TurnEvent
 *
 * It works per upstream chunk: every chunk of bytes becomes at most one array of
 * TurnEvents, which the SDK relays as one stdout write. The stream ends right after
 * `turn_stop`, which releases (aborts) the upstream request, as a stop-sequence match needs.
 */
import type { TurnEvent } from "@plexum/sdk"
import { Stream } from "effect"
import { Sse } from "effect/encoding"
import type { AnthropicEvent } from "./AnthropicEvent.ts"
import { decodeAnthropicEvent } from "./AnthropicEvent.ts"
import { type BlockState, endOfStream, initialBlockState, type ReducerFault, reduceBlockEvents } from "./BlockReducer.ts"
import { decodeSse } from "./SseDecoder.ts"

export interface TurnStreamOptions {
  readonly model: string
  readonly stopSequences?: ReadonlyArray<string> | undefined
}

/** Turns raw response text into TurnEvents; `onFault` decides what a fault fails with. */
export const turnEventsFromText = <E, R, F>(
  text: Stream.Stream<string, E, R>,
  options: TurnStreamOptions,
  onFault: (fault: ReducerFault) => F
): Stream.Stream<TurnEvent, E | F, R> =>
  Stream.suspend(() => {
    let state: BlockState = initialBlockState(options)
    return decodeSse(text).pipe(
      Stream.mapError((error): E | F =>
        error instanceof Sse.SseError ? onFault({ _tag: "Protocol", message: `an SSE event is too large: ${error.message}` }) : error
      ),
      Stream.flatMap((sseEvents) => {
        const anthropicEvents: Array<AnthropicEvent> = []
        let fault: ReducerFault | undefined
        for (const sse of sseEvents) {
          const decoded = decodeAnthropicEvent(sse)
          if (decoded._tag === "Event") anthropicEvents.push(decoded.event)
          else if (decoded._tag === "Invalid") {
            fault = { _tag: "Protocol", message: decoded.reason }
            break
          }
        }
        const step = reduceBlockEvents(state, anthropicEvents)
        state = step.state
        const failure = step.fault ?? fault
        const events = Stream.fromArray(step.events)
        return failure === undefined ? events : Stream.concat(events, Stream.fail(onFault(failure)))
      }),
      Stream.concat(Stream.suspend(() => {
        const fault = endOfStream(state)
        return fault === undefined ? Stream.empty : Stream.fail(onFault(fault))
      })),
      Stream.takeUntil((event) => event.type === "turn_stop")
    )
  })
