/**
 * A response, run through the pure decoder (./TurnDecoder.ts) as it arrives: each upstream pull
 * decodes the next chunk of text and hands its events on as one array. The stream ends right
 * after `turn_stop`, which releases (aborts) the upstream request, as a stop-sequence match
 * needs. The IdleWatchdog ends a response that goes silent.
 */
import type { TurnEvent } from "@plexum/sdk"
import { Array as Arr, Cause, Clock, Effect, Fiber, Latch, Pull, type Scope, Stream } from "effect"
import type { AnthropicEvent } from "./AnthropicEvent.ts"
import type { StreamFault } from "./StreamFault.ts"
import { type ChunkOutcome, feedAll, makeTurnDecoder, type TurnDecoderOptions } from "./TurnDecoder.ts"

export interface ResponseOptions extends TurnDecoderOptions {
  /** Silence allowed between complete SSE lines (pings count); time paused for the host does not. */
  readonly idleTimeoutMs: number
}

/**
 * The idle watchdog of one response. It counts only time spent waiting on the upstream, and is
 * reset only by a complete SSE line (`lineCompleted`): a proxy trickling one byte at a time never
 * finishes a line, and time the turn waits for the host to read stdout is not the upstream's
 * silence. Each upstream pull starts on a fiber of its own; nearly always it has its text at once
 * and nothing more happens. When it has to wait, its deadline is armed, and one watchdog fiber
 * per response sleeps until the deadline and interrupts the waiting pull if it is still waiting
 * then. (A timer raced on every pull cost about 6 % of the bench turn; running the upstream
 * beside a watchdog stream with `Stream.merge`, as `Stream.timeoutOrElse` does, cost 3 ms of its
 * 20: two fiber switches per chunk through a queue of capacity 0.)
 */
const makeIdleWatchdog = <A, E, S>(
  pull: Effect.Effect<A, E | Cause.Done>,
  scope: Scope.Scope,
  idleTimeoutMs: number,
  silence: Effect.Effect<never, S>
) =>
  Effect.gen(function*() {
    /** Time spent waiting on the upstream since its last complete line, before the wait in progress. */
    let idleMs = 0
    /** The pull waiting on the upstream, and when it must have returned. */
    let waiting: { readonly fiber: Fiber.Fiber<A, E | Cause.Done>; readonly deadline: number } | undefined
    let silent = false
    const waitStarted = Latch.makeUnsafe(false)

    yield* Effect.forkIn(
      Effect.gen(function*() {
        while (true) {
          yield* waitStarted.await
          const deadline = waiting?.deadline
          if (deadline === undefined) continue
          yield* Effect.sleep(Math.max(0, deadline - (yield* Clock.currentTimeMillis)))
          if (waiting !== undefined && waiting.deadline <= (yield* Clock.currentTimeMillis)) {
            silent = true
            return yield* Fiber.interrupt(waiting.fiber)
          }
        }
      }),
      scope
    )

    type Watched = Effect.Effect<A, E | S | Cause.Done>
    const watchedPull: Watched = Effect.flatMap(Effect.forkIn(pull, scope, { startImmediately: true }), (fiber): Watched => {
      const ready = fiber.pollUnsafe()
      if (ready !== undefined) return ready
      return Effect.flatMap(Clock.currentTimeMillis, (startedAt): Watched => {
        waiting = { fiber, deadline: startedAt + idleTimeoutMs - idleMs }
        waitStarted.openUnsafe()
        return Effect.flatMap(Fiber.await(fiber), (exit): Watched => {
          waiting = undefined
          waitStarted.closeUnsafe()
          return Effect.flatMap(Clock.currentTimeMillis, (now): Watched => {
            idleMs += now - startedAt
            return silent ? silence : exit
          })
        })
      })
    })
    return {
      pull: watchedPull,
      lineCompleted: () => void (idleMs = 0)
    }
  })

/** The events of `outcome` up to `turn_stop`, and what comes after them (the end, or the fault). */
const settled = <E>(outcome: ChunkOutcome, fail: (fault: StreamFault) => Effect.Effect<never, E>) => {
  const stop = outcome.events.findIndex((event) => event.type === "turn_stop")
  const over: Effect.Effect<never, E | Cause.Done> | undefined = stop >= 0 ? Cause.done() : outcome.fault !== undefined ? fail(outcome.fault) : undefined
  const events = stop < 0 || stop === outcome.events.length - 1 ? outcome.events : outcome.events.slice(0, stop + 1)
  // Nearly every chunk has nothing to log: no effect is built for it.
  const warn = (outcome.warnings?.length ?? 0) + (outcome.debug?.length ?? 0) === 0
    ? undefined
    : Effect.all([...(outcome.warnings ?? []).map((w) => Effect.logWarning(w)), ...(outcome.debug ?? []).map((d) => Effect.logDebug(d))], { discard: true })
  return { events, over, warn }
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
export const turnEventsOfText = <E, R, F>(
  text: Stream.Stream<string, E, R>,
  options: ResponseOptions,
  onFault: (fault: StreamFault) => Effect.Effect<F>
): Stream.Stream<TurnEvent, E | F, R> =>
  Stream.transformPull(text, (pullText, scope) =>
    Effect.gen(function*() {
      const decoder = makeTurnDecoder(options)
      const fail = (fault: StreamFault) => Effect.flatMap(onFault(fault), Effect.fail)
      const watchdog = yield* makeIdleWatchdog(pullText, scope, options.idleTimeoutMs, fail({ _tag: "Silent", idleMs: options.idleTimeoutMs }))
      /** Set when the turn is over: `turn_stop` was handed on, or a fault waits behind the events before it. */
      let over: Effect.Effect<never, E | F | Cause.Done> | undefined

      const settle = (outcome: ChunkOutcome): Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> => {
        const step = settled(outcome, fail)
        over ??= step.over
        const next = Arr.isReadonlyArrayNonEmpty(step.events) ? Effect.succeed(step.events) : pull
        return step.warn === undefined ? next : Effect.andThen(step.warn, next)
      }
      const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> = Effect.suspend(() =>
        over ?? Pull.matchEffect(watchdog.pull, {
          onSuccess: (chunks) => {
            const outcome = feedAll(decoder, chunks)
            if (outcome.completedLine) watchdog.lineCompleted()
            return settle(outcome)
          },
          onFailure: Effect.failCause,
          onDone: (): Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> => {
            const outcome = decoder.end()
            if (outcome.fault === undefined && outcome.events.length === 0) return Cause.done()
            over = outcome.fault === undefined ? Cause.done() : fail(outcome.fault)
            return settle(outcome)
          }
        })
      )
      return pull
    }))

/** The TurnEvents of a whole JSON message's events: one chunk, then the end of the response. */
export const turnEventsOfMessage = <F>(
  events: ReadonlyArray<AnthropicEvent>,
  options: TurnDecoderOptions,
  onFault: (fault: StreamFault) => Effect.Effect<F>
): Stream.Stream<TurnEvent, F> =>
  Stream.unwrap(Effect.sync(() => {
    const decoder = makeTurnDecoder(options)
    const first = decoder.feedEvents(events)
    const finished = first.fault !== undefined || first.events.some((event) => event.type === "turn_stop")
    const last = finished ? { events: [], completedLine: true } : decoder.end()
    const step = settled({
      events: [...first.events, ...last.events],
      fault: first.fault ?? last.fault,
      completedLine: true,
      warnings: [...(first.warnings ?? []), ...(last.warnings ?? [])],
      debug: [...(first.debug ?? []), ...(last.debug ?? [])]
    }, (fault) => Effect.flatMap(onFault(fault), Effect.fail))
    const fault = step.events.some((event) => event.type === "turn_stop") ? undefined : first.fault ?? last.fault
    const after: Stream.Stream<never, F> = fault === undefined ? Stream.empty : Stream.fromEffect(Effect.flatMap(onFault(fault), Effect.fail))
    return Stream.fromEffect(step.warn ?? Effect.void).pipe(Stream.drain, Stream.concat(Stream.fromIterable(step.events)), Stream.concat(after))
  }))
