/**
 * Text chunks → SSE events, with effect's incremental parser (CR, LF and CRLF line ends,
 * comments, multi-line `data`, a leading BOM). Unlike `Sse.decode`, a `retry:` field does
 * not end the stream: MiniMax has no use for reconnection, so the directive is ignored.
 * Events come out in one array per input chunk, so the rest of the pipeline works per chunk.
 */
import { Effect, Stream } from "effect"
import { Sse } from "effect/encoding"

export interface SseEvent {
  readonly event: string
  readonly data: string
}

/** 16 MiB: far above any real event (the corpus has a 1 MiB line), low enough to bound memory. */
const MAX_EVENT_SIZE = 16 * 1024 * 1024

export const decodeSse = <E, R>(text: Stream.Stream<string, E, R>): Stream.Stream<ReadonlyArray<SseEvent>, E | Sse.SseError, R> =>
  Stream.suspend(() => {
    let parsed: Array<SseEvent> = []
    const parser = Sse.makeParser((event) => {
      if (event._tag === "Event") parsed.push({ event: event.event, data: event.data })
    }, { maxEventSize: MAX_EVENT_SIZE })
    return text.pipe(
      Stream.mapEffect((chunk) => {
        const error = parser.feed(chunk)
        if (error !== undefined) return Effect.fail(error)
        const out = parsed
        parsed = []
        return Effect.succeed(out)
      })
    )
  })
