/**
 * The stdio transport (§2): stdin lines in, protocol lines out. It knows no method names.
 *
 * Output goes through a small bounded queue drained by one writer that waits for stdout's
 * `drain`. When the host stops reading, `send` suspends, which stops whoever is sending
 * (a turn pulling from its upstream) instead of buffering without bound.
 *
 * Text is encoded to UTF-8 as it is queued, so output waiting for stdout is bytes outside the
 * JavaScript heap: with 32 concurrent turns (bench c), queued strings survived collections into
 * the old generation, which then peaked near 60 MiB instead of 40 MiB.
 */
import { Cause, Effect, Fiber, Queue, Stdio, Stream } from "effect"
import type { Scope } from "effect"

export interface Transport {
  /** stdin split into lines; ends at EOF or on a read error. */
  readonly lines: Stream.Stream<string>
  /** Queues text (one or more whole lines) for stdout. Suspends while the queue is full. */
  readonly send: (text: string) => Effect.Effect<void>
  /** Writes out what is queued, then stops the writer; gives up after `timeoutMs`. */
  readonly close: (timeoutMs: number) => Effect.Effect<void>
}

/** How many batches may wait for stdout before senders are paused. */
const OUTPUT_QUEUE_CAPACITY = 32

export const makeStdioTransport: Effect.Effect<Transport, never, Stdio.Stdio | Scope.Scope> = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const outgoing = yield* Queue.bounded<Uint8Array, Cause.Done>(OUTPUT_QUEUE_CAPACITY)
  const writer = yield* Stream.fromQueue(outgoing).pipe(
    Stream.run(stdio.stdout()),
    Effect.ignore,
    Effect.forkScoped
  )
  return {
    lines: stdio.stdin.pipe(Stream.decodeText, Stream.splitLines, Stream.catch(() => Stream.empty)),
    send: (text) => {
      const bytes = Buffer.from(text, "utf8")
      return Queue.offer(outgoing, bytes).pipe(Effect.asVoid)
    },
    close: (timeoutMs) =>
      Queue.end(outgoing).pipe(
        Effect.andThen(Fiber.join(writer)),
        Effect.timeoutOption(timeoutMs),
        Effect.asVoid
      )
  }
})
