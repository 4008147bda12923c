/**
 * Transports (§2): lines in, protocol lines out. A transport knows no method names; the
 * dispatcher (./Server.ts) knows no `process`. `serve` runs on stdio unless given another
 * transport, such as the in-memory one tests use.
 *
 * The stdio transport queues output in a small bounded queue drained by one writer that waits
 * for stdout's `drain`. When the host reads slowly, `send` suspends, which stops whoever is
 * sending (a turn pulling from its upstream) instead of buffering without bound. Once the
 * plugin is stopping, or stdout is gone, output that cannot be queued at once is dropped:
 * nothing may wait on a host that stopped reading. Text is encoded to UTF-8 as it is queued,
 * so output waiting for stdout is bytes outside the JavaScript heap (with 32 concurrent turns,
 * queued strings survived into the old generation, which then peaked near 60 MiB, not 40).
 */
import { Cause, Effect, Fiber, Queue, Stdio, Stream } from "effect"
import type { Scope } from "effect"
import { makeLineSplitter } from "./Framing.ts"

/** Lines in, lines out: what `serve` needs of a connection. */
export interface Transport {
  /** The incoming lines; ends at EOF or on a read error. Only `\n` ends a line. */
  readonly lines: Stream.Stream<string>
  /** Queues text (one or more whole lines) for output. Suspends while the queue is full, unless stopping. */
  readonly send: (text: string) => Effect.Effect<void>
  /** The plugin is stopping: from now on `send` never waits, and drops what cannot be queued. */
  readonly stopping: Effect.Effect<void>
  /** Writes out what is queued, then stops the writer; gives up after `timeoutMs`. */
  readonly close: (timeoutMs: number) => Effect.Effect<void>
}

/** How many batches may wait for stdout before senders are paused. */
const OUTPUT_QUEUE_CAPACITY = 32

/**
 * The protocol's bound (§3: exit within 2 seconds of shutdown, EOF or a signal), less a margin
 * for the exit itself. Past it the process exits 0 even if something still waits.
 */
const EXIT_DEADLINE_MS = 1_800

/** Splits a stream of text into lines (only `\n` ends one). */
export const linesOf = <E, R>(text: Stream.Stream<string, E, R>): Stream.Stream<string, E, R> =>
  Stream.suspend(() => {
    const splitter = makeLineSplitter()
    return text.pipe(
      Stream.map(splitter.feed),
      Stream.flattenIterable,
      Stream.concat(Stream.suspend(() => Stream.fromIterable(splitter.end())))
    )
  })

/**
 * Output through a bounded queue drained by `write`. When the writer stops (its sink failed:
 * the host closed the pipe), or the plugin is stopping, `send` drops what cannot be queued.
 */
const makeQueuedOutput = (run: (output: Stream.Stream<Uint8Array>) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    const outgoing = yield* Queue.bounded<Uint8Array, Cause.Done>(OUTPUT_QUEUE_CAPACITY)
    let waitForRoom = true
    const writer = yield* run(Stream.fromQueue(outgoing)).pipe(
      Effect.ignore,
      Effect.ensuring(Effect.sync(() => void (waitForRoom = false))),
      Effect.forkScoped
    )
    const send = (text: string) =>
      Effect.suspend(() => {
        const bytes = Buffer.from(text, "utf8")
        if (waitForRoom) return Queue.offer(outgoing, bytes).pipe(Effect.asVoid)
        Queue.offerUnsafe(outgoing, bytes)
        return Effect.void
      })
    const stopping = Effect.sync(() => void (waitForRoom = false))
    const close = (timeoutMs: number) =>
      Effect.sync(() => Queue.endUnsafe(outgoing)).pipe(
        Effect.andThen(Fiber.join(writer)),
        Effect.timeoutOption(timeoutMs),
        Effect.asVoid
      )
    return { send, stopping, close }
  })

/** The transport over the process's stdin and stdout (§2); what `serve` uses by default. */
export const makeStdioTransport: Effect.Effect<Transport, never, Stdio.Stdio | Scope.Scope> = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const output = yield* makeQueuedOutput((bytes) => Stream.run(bytes, stdio.stdout()))
  return {
    lines: linesOf(stdio.stdin.pipe(Stream.decodeText, Stream.catch(() => Stream.empty))),
    send: output.send,
    stopping: output.stopping.pipe(
      Effect.andThen(Effect.sync(() => void setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref()))
    ),
    close: output.close
  }
})

/** An in-memory transport and the host's side of it, for tests that need no child process. */
export interface MemoryTransport {
  readonly transport: Transport
  /** Writes text to the plugin's input, as is (include the `\n`). */
  readonly write: (text: string) => Effect.Effect<void>
  /** Ends the plugin's input (EOF). */
  readonly end: Effect.Effect<void>
  /** The lines the plugin wrote, raw, in order; ends when the plugin closes its output. */
  readonly output: Queue.Dequeue<string, Cause.Done>
}

/** A transport in memory, with the host's side of it (MemoryTransport). */
export const makeMemoryTransport: Effect.Effect<MemoryTransport, never, Scope.Scope> = Effect.gen(function*() {
  const input = yield* Queue.unbounded<string, Cause.Done>()
  const written = yield* Queue.unbounded<string, Cause.Done>()
  const output = yield* makeQueuedOutput((bytes) =>
    linesOf(Stream.decodeText(bytes)).pipe(
      Stream.runForEach((line) => Queue.offer(written, line)),
      Effect.ensuring(Queue.end(written))
    )
  )
  return {
    transport: { lines: linesOf(Stream.fromQueue(input)), send: output.send, stopping: output.stopping, close: output.close },
    write: (text) => Queue.offer(input, text).pipe(Effect.asVoid),
    end: Queue.end(input).pipe(Effect.asVoid),
    output: written
  }
})
