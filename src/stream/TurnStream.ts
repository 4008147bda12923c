/**
 * The whole path from response text to TurnEvents, top to bottom:
 *
 *   text → SSE events (./SseDecoder.ts) → AnthropicEvent (./CompactDelta.ts, else the Schema
 *   in ./AnthropicEvent.ts) → BlockReducer → TurnEvent
 *
 * It works per upstream chunk: every chunk of text becomes at most one array of TurnEvents,
 * which the SDK relays as one stdout write. The stream ends right after `turn_stop`, which
 * releases (aborts) the upstream request, as a stop-sequence match needs.
 */
import { parseJsonExact, type TurnEvent } from "@plexum/sdk"
import { Array as Arr, Cause, Clock, Effect, Fiber, Latch, Pull, Stream } from "effect"
import { type AnthropicEvent, decodeAnthropicEvent } from "./AnthropicEvent.ts"
import { type BlockState, endOfStream, initialBlockState, type ReducerStep, reduceBlockEvents, type TurnShape } from "./BlockReducer.ts"
import { coalesceDeltas } from "./coalesceDeltas.ts"
import { readCompactDelta, readCompactFrames } from "./CompactDelta.ts"
import { makeSseParser, type SseEvent } from "./SseDecoder.ts"
import type { StreamFault } from "./StreamFault.ts"
import { isMismatchedSignature } from "../minimax/thinkingSignature.ts"

/**
 * The most stream text one reply may carry. MiniMax's largest reply (M3's 524,288 output tokens,
 * one delta event each) is about 60 million characters; without a bound, a broken or hostile
 * upstream that never ends would grow the turn's blocks until V8's string limit (a RangeError
 * near 537 million characters, after about 1 GiB of RSS).
 */
export const MAX_REPLY_SIZE = 256 * 1024 * 1024

export interface TurnStreamOptions extends TurnShape {
  /** Silence allowed between complete SSE lines (pings count); time paused for the host does not. */
  readonly idleTimeoutMs: number
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
 * The incremental decoder behind the stream: `feed` takes each chunk of response text,
 * `end` says what the end of the response means.
 */
export interface TurnDecoder {
  readonly feed: (chunk: string) => ChunkOutcome
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

export const makeTurnDecoder = (options: TurnStreamOptions): TurnDecoder => {
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
    const step: ReducerStep = reduceBlockEvents(state, anthropicEvents)
    state = step.state
    const events = scrubbed(step.events)
    return { events, fault: step.fault ?? fault, completedLine, warnings: warningsOf(events, options.model, () => messageId) }
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
      warnings: [...(before.warnings ?? []), ...warningsOf(events, options.model, () => messageId)]
    }
  }
  return { feed, end }
}

/** The chunk outcomes of several chunks in a row, up to the first fault. */
const feedAll = (decoder: TurnDecoder, chunks: ReadonlyArray<string>): ChunkOutcome => {
  if (chunks.length === 1) return decoder.feed(chunks[0]!)
  const events: Array<TurnEvent> = []
  const warnings: Array<string> = []
  let completedLine = false
  for (const chunk of chunks) {
    const outcome = decoder.feed(chunk)
    for (const event of outcome.events) events.push(event)
    if (outcome.warnings !== undefined) warnings.push(...outcome.warnings)
    completedLine ||= outcome.completedLine
    if (outcome.fault !== undefined) return { events, fault: outcome.fault, completedLine, warnings }
  }
  return { events, completedLine, warnings }
}

/**
 * Turns raw response text into TurnEvents; `onFault` decides what a fault fails with.
 *
 * Each pull decodes the next text chunk and hands its events on as one array, keeping no
 * reference to either: a turn waiting for stdout then holds only its output bytes. (Built with
 * `Stream.flatMap` and `Stream.fromArray`, the text and the events of the last chunk stayed
 * reachable until the next pull; with 32 turns waiting, they survived every young-generation
 * collection, which grew V8's young generation to its largest size.)
 *
 * The idle watchdog counts only time spent waiting on the upstream, and is reset only by a
 * complete SSE line: a proxy trickling one byte at a time never finishes a line, and time the
 * turn waits for the host to read stdout is not the upstream's silence. Each upstream pull
 * starts on a fiber of its own; nearly always it has its text at once and nothing more
 * happens. When it has to wait, its deadline is armed, and one watchdog fiber per turn sleeps
 * until the deadline and interrupts the waiting pull if it is still waiting then. (A timer
 * raced on every pull cost about 6 % of the bench turn; running the upstream beside a watchdog
 * stream with `Stream.merge`, as `Stream.timeoutOrElse` does, cost 3 ms of its 20: two fiber
 * switches per chunk through a queue of capacity 0.)
 */
export const turnEventsFromText = <E, R, F>(
  text: Stream.Stream<string, E, R>,
  options: TurnStreamOptions,
  onFault: (fault: StreamFault) => Effect.Effect<F>
): Stream.Stream<TurnEvent, E | F, R> =>
  Stream.transformPull(text, (pullText, scope) =>
    Effect.gen(function*() {
      const decoder = makeTurnDecoder(options)
      /** Set when the turn is over: `turn_stop` was handed on, or a fault waits behind the events before it. */
      let over: Effect.Effect<never, F | Cause.Done> | undefined
      /** Time spent waiting on the upstream since its last complete line, before the wait in progress. */
      let idleMs = 0
      /** The pull waiting on the upstream, and when it must have returned. */
      let waiting: { readonly fiber: Fiber.Fiber<Arr.NonEmptyReadonlyArray<string>, E | Cause.Done>; readonly deadline: number } | undefined
      let silent = false
      const waitStarted = Latch.makeUnsafe(false)
      const fail = (fault: StreamFault) => Effect.flatMap(onFault(fault), Effect.fail)

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

      type Upstream = Effect.Effect<Arr.NonEmptyReadonlyArray<string>, E | F | Cause.Done>
      const pullUpstream: Upstream = Effect.flatMap(Effect.forkIn(pullText, scope, { startImmediately: true }), (fiber): Upstream => {
        const ready = fiber.pollUnsafe()
        if (ready !== undefined) return ready
        return Effect.flatMap(Clock.currentTimeMillis, (startedAt): Upstream => {
          waiting = { fiber, deadline: startedAt + options.idleTimeoutMs - idleMs }
          waitStarted.openUnsafe()
          return Effect.flatMap(Fiber.await(fiber), (exit): Upstream => {
            waiting = undefined
            waitStarted.closeUnsafe()
            return Effect.flatMap(Clock.currentTimeMillis, (now): Upstream => {
              idleMs += now - startedAt
              return silent ? fail({ _tag: "Silent", idleMs: options.idleTimeoutMs }) : exit
            })
          })
        })
      })

      const settle = ({ events, fault, warnings }: ChunkOutcome): Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> => {
        const stop = events.findIndex((event) => event.type === "turn_stop")
        if (stop >= 0) over = Cause.done()
        else if (fault !== undefined) over = fail(fault)
        const emitted = stop < 0 || stop === events.length - 1 ? events : events.slice(0, stop + 1)
        const next = Arr.isReadonlyArrayNonEmpty(emitted) ? Effect.succeed(emitted) : pull
        return warnings === undefined || warnings.length === 0 ? next : Effect.andThen(Effect.forEach(warnings, (w) => Effect.logWarning(w)), next)
      }
      const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<TurnEvent>, E | F> = Effect.suspend(() =>
        over ?? Pull.matchEffect(pullUpstream, {
          onSuccess: (chunks) => {
            const outcome = feedAll(decoder, chunks)
            if (outcome.completedLine) idleMs = 0
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
