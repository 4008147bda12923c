/**
 * The block reducer's state, and the draft one batch of events is reduced on: a copy of the
 * state made once per batch, changed in place, and returned as the next state (./BlockReducer.ts).
 * Pure.
 */
import { type AssistantBlock, parseJsonExact, type TurnEvent, type Usage } from "@plexum/sdk"
import type { AnthropicUsage } from "./AnthropicEvent.ts"
import type { ScanState } from "./markupRepair.ts"
import type { StopAutomaton } from "./stopSequences.ts"
import type { StreamFault } from "./StreamFault.ts"

/** An upstream block being read. `out` is the plugin's own index for it (protocol §4). */
export type OpenBlock =
  | {
    readonly type: "text"
    /** The index of the text part being relayed; undefined until its first character (a repair may split the block). */
    readonly out: number | undefined
    readonly text: string
    /** Text not yet emitted because it could be the start of a stop sequence; `stopNode` is the matcher's state after it. */
    readonly held: string
    readonly stopNode: number
    /** The markup scanner's state, when markup is repaired. */
    readonly scan: ScanState | undefined
    /** Some block came out of this upstream block already. */
    readonly produced: boolean
  }
  | { readonly type: "thinking"; readonly out: number; readonly thinking: string; readonly signature: string }
  | { readonly type: "redacted_thinking"; readonly out: number; readonly data: string }
  | { readonly type: "tool_use"; readonly out: number; readonly id: string; readonly name: string; readonly json: string; readonly startInput: unknown }
  /** A block type the protocol does not know: no events, and no index, for it. */
  | { readonly type: "skipped" }

export type TextBlock = Extract<OpenBlock, { type: "text" }>

/** What a turn's reducer is told once, at its start. */
export interface ReducerOptions {
  readonly stops: StopAutomaton | undefined
  readonly fallbackModel: string
  /** Repair markup written as text: tool calls as `<minimax:tool_call>`, a leading `<think>`. */
  readonly repairMarkup: boolean
  /** Each declared tool's input schema `properties`, to type recovered parameters. */
  readonly toolProperties: ReadonlyMap<string, Readonly<Record<string, unknown>>>
  /** The id of the `n`th tool call recovered from text in this turn. */
  readonly toolCallId: (n: number) => string
  /** A turn with no content block at all is a fault (to be tried again), not an empty answer. */
  readonly emptyIsFault: boolean
  /** The turn's pay-as-you-go cost for its final usage, put on `turn_stop`; undefined when unknown or billed to a plan. */
  readonly costOf: (usage: Usage) => number | undefined
}

export interface BlockState {
  readonly phase: "awaiting_start" | "streaming" | "done"
  readonly options: ReducerOptions
  readonly open: ReadonlyMap<number, OpenBlock>
  readonly usage: Usage
  readonly stopReason: string | undefined
  readonly stopSequence: string | undefined
  /** `message_delta` arrived: a stream that closes now, with every block closed, is complete. */
  readonly sawMessageDelta: boolean
  /** The plugin's index for the next block that starts. */
  readonly nextIndex: number
  /** Events held until the first block starts (turn_start among them), or undefined once they went out. */
  readonly deferred: ReadonlyArray<TurnEvent> | undefined
  readonly textBlocksSeen: number
  readonly recoveredCalls: number
  /** Stray reasoning closers dropped from the start of text blocks, so far. */
  readonly strayClosers: number
}

/** One batch being reduced: the state's fields, mutable, and the events so far. */
export interface Draft {
  phase: BlockState["phase"]
  usage: Usage
  stopReason: string | undefined
  stopSequence: string | undefined
  sawMessageDelta: boolean
  nextIndex: number
  deferred: Array<TurnEvent> | undefined
  textBlocksSeen: number
  recoveredCalls: number
  strayClosers: number
  fault: StreamFault | undefined
  readonly options: ReducerOptions
  readonly open: Map<number, OpenBlock>
  /** Pieces this batch added to the text, thinking or tool input of an open block, not yet joined into it. */
  readonly added: Map<number, Array<string>>
  readonly events: Array<TurnEvent>
}

export const absurd = (value: never): never => {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`)
}

export const draftOf = (state: BlockState): Draft => ({
  phase: state.phase,
  usage: state.usage,
  stopReason: state.stopReason,
  stopSequence: state.stopSequence,
  sawMessageDelta: state.sawMessageDelta,
  nextIndex: state.nextIndex,
  deferred: state.deferred === undefined ? undefined : [...state.deferred],
  textBlocksSeen: state.textBlocksSeen,
  recoveredCalls: state.recoveredCalls,
  strayClosers: state.strayClosers,
  fault: undefined,
  options: state.options,
  open: new Map(state.open),
  added: new Map(),
  events: []
})

/** Emits an event; until the first block starts, turn-level events wait with turn_start. */
export const emit = (draft: Draft, event: TurnEvent): void => {
  if (draft.deferred === undefined) {
    draft.events.push(event)
    return
  }
  if (event.type !== "block_start") {
    draft.deferred.push(event)
    return
  }
  for (const waiting of draft.deferred) draft.events.push(waiting)
  draft.deferred = undefined
  draft.events.push(event)
}

/** Releases what waited for the first block (at the end of a turn that has none). */
export const releaseDeferred = (draft: Draft): void => {
  if (draft.deferred === undefined) return
  for (const waiting of draft.deferred) draft.events.push(waiting)
  draft.deferred = undefined
}

/** The plugin's index for a block starting now. */
export const takeIndex = (draft: Draft): number => draft.nextIndex++

export const add = (draft: Draft, key: number, piece: string): void => {
  const pieces = draft.added.get(key)
  if (pieces === undefined) draft.added.set(key, [piece])
  else pieces.push(piece)
}

/** The upstream block `key` with the pieces this batch added joined into it. */
export const joined = (draft: Draft, key: number): OpenBlock | undefined => {
  const block = draft.open.get(key)
  const pieces = draft.added.get(key)
  if (block === undefined || pieces === undefined) return block
  draft.added.delete(key)
  const more = pieces.join("")
  let next: OpenBlock
  switch (block.type) {
    case "text":
      next = { ...block, text: block.text + more }
      break
    case "thinking":
      next = { ...block, thinking: block.thinking + more }
      break
    case "tool_use":
      next = { ...block, json: block.json + more }
      break
    case "redacted_thinking":
    case "skipped":
      next = block
      break
    default:
      return absurd(block)
  }
  draft.open.set(key, next)
  return next
}

export const stepOf = (draft: Draft): { readonly state: BlockState; readonly events: ReadonlyArray<TurnEvent>; readonly fault?: StreamFault } => {
  for (const key of [...draft.added.keys()]) joined(draft, key)
  const state: BlockState = {
    phase: draft.phase,
    options: draft.options,
    open: draft.open,
    usage: draft.usage,
    stopReason: draft.stopReason,
    stopSequence: draft.stopSequence,
    sawMessageDelta: draft.sawMessageDelta,
    nextIndex: draft.nextIndex,
    deferred: draft.deferred,
    textBlocksSeen: draft.textBlocksSeen,
    recoveredCalls: draft.recoveredCalls,
    strayClosers: draft.strayClosers
  }
  return draft.fault === undefined ? { state, events: draft.events } : { state, events: draft.events, fault: draft.fault }
}

/** Usage fields present in `next` replace the old ones; MiniMax repeats full counts, so nothing is added up. */
export const mergeUsage = (previous: Usage, next: AnthropicUsage | null | undefined): Usage => {
  if (next === null || next === undefined) return previous
  const usage: { -readonly [K in keyof Usage]: Usage[K] } = {
    inputTokens: next.input_tokens ?? previous.inputTokens,
    outputTokens: next.output_tokens ?? previous.outputTokens
  }
  const cacheRead = next.cache_read_input_tokens ?? previous.cacheReadInputTokens
  const cacheCreation = next.cache_creation_input_tokens ?? previous.cacheCreationInputTokens
  if (cacheRead !== undefined) usage.cacheReadInputTokens = cacheRead
  if (cacheCreation !== undefined) usage.cacheCreationInputTokens = cacheCreation
  return usage
}

/** The final block, or why it cannot be built. */
export const closeBlock = (block: Exclude<OpenBlock, TextBlock>): AssistantBlock | { readonly invalidJson: string } | undefined => {
  switch (block.type) {
    case "thinking":
      return { type: "thinking", thinking: block.thinking, signature: block.signature }
    case "redacted_thinking":
      return { type: "redacted_thinking", data: block.data }
    case "tool_use": {
      if (block.json.trim() === "") return { type: "tool_use", id: block.id, name: block.name, input: block.startInput ?? {} }
      try {
        return { type: "tool_use", id: block.id, name: block.name, input: parseJsonExact(block.json) }
      } catch {
        return { invalidJson: block.name }
      }
    }
    case "skipped":
      return undefined
    default:
      return absurd(block)
  }
}
