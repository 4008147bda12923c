/**
 * The block-state reducer: (state, Anthropic events) → (state, TurnEvents). Pure: no I/O,
 * no clock, no Effect, and the state it is given is never changed. It keeps every block byte
 * for byte (thinking with its signature, redacted data, tool ids and names), assembles tool
 * input JSON and parses it once at `content_block_stop` (numbers a double cannot hold stay
 * exact), and enforces stop sequences on text blocks.
 *
 * A batch (all the events of one upstream chunk) is reduced on one draft: a copy of the state
 * made once, changed in place, and returned as the next state. The text a batch adds to a block
 * is joined once, at the end of the batch: a block kept as one rope node per token-sized delta
 * held about 1 MB per 20k-event turn, most of the plugin's live memory with 32 turns open.
 */
import { type AssistantBlock, parseJsonExact, type StopReason, type TurnEvent, type Usage } from "@plexum/sdk"
import type { AnthropicEvent, AnthropicUsage, ContentBlockDeltaEvent, ContentBlockStartEvent } from "./AnthropicEvent.ts"
import type { StreamFault } from "./StreamFault.ts"
import { buildStopAutomaton, ROOT, scanForStop, type StopAutomaton } from "./stopSequences.ts"

type OpenBlock =
  /** `held` is text not yet emitted because it could be the start of a stop sequence; `stopNode` is the matcher's state after it. */
  | { readonly type: "text"; readonly text: string; readonly held: string; readonly stopNode: number }
  | { readonly type: "thinking"; readonly thinking: string; readonly signature: string }
  | { readonly type: "redacted_thinking"; readonly data: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly json: string; readonly startInput: unknown }
  /** A block type the protocol does not know: no events for it. */
  | { readonly type: "skipped" }

type TextBlock = Extract<OpenBlock, { type: "text" }>

export interface BlockState {
  readonly phase: "awaiting_start" | "streaming" | "done"
  readonly stops: StopAutomaton | undefined
  readonly fallbackModel: string
  readonly open: ReadonlyMap<number, OpenBlock>
  readonly usage: Usage
  readonly stopReason: string | undefined
  readonly stopSequence: string | undefined
  /** `message_delta` arrived: a stream that closes now, with every block closed, is complete. */
  readonly sawMessageDelta: boolean
}

export interface ReducerStep {
  readonly state: BlockState
  readonly events: ReadonlyArray<TurnEvent>
  readonly fault?: StreamFault
}

export const initialBlockState = (options: { readonly stopSequences?: ReadonlyArray<string> | undefined; readonly model: string }): BlockState => ({
  phase: "awaiting_start",
  stops: buildStopAutomaton(options.stopSequences ?? []),
  fallbackModel: options.model,
  open: new Map(),
  usage: { inputTokens: 0, outputTokens: 0 },
  stopReason: undefined,
  stopSequence: undefined,
  sawMessageDelta: false
})

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

/** The state of one batch while it is being reduced. */
interface Draft {
  phase: BlockState["phase"]
  usage: Usage
  stopReason: string | undefined
  stopSequence: string | undefined
  sawMessageDelta: boolean
  fault: StreamFault | undefined
  readonly stops: StopAutomaton | undefined
  readonly fallbackModel: string
  readonly open: Map<number, OpenBlock>
  /** Pieces this batch added to the text, thinking or tool input of an open block, not yet joined into it. */
  readonly added: Map<number, Array<string>>
  readonly events: Array<TurnEvent>
}

const absurd = (value: never): never => {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`)
}

const add = (draft: Draft, index: number, piece: string): void => {
  const pieces = draft.added.get(index)
  if (pieces === undefined) draft.added.set(index, [piece])
  else pieces.push(piece)
}

/** The block at `index` with the pieces this batch added joined into it. */
const joined = (draft: Draft, index: number): OpenBlock | undefined => {
  const block = draft.open.get(index)
  const pieces = draft.added.get(index)
  if (block === undefined || pieces === undefined) return block
  draft.added.delete(index)
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
  draft.open.set(index, next)
  return next
}

const malformed = (draft: Draft, message: string): void => {
  draft.fault = { _tag: "Malformed", message }
}

/** The final block, or why it cannot be built. */
const closeBlock = (block: OpenBlock): AssistantBlock | { readonly invalidJson: string } | undefined => {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text + block.held }
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

/** Emits the block_stop for `index`, flushing held-back text first. */
const stopBlock = (draft: Draft, index: number): void => {
  const block = joined(draft, index)
  if (block === undefined) return malformed(draft, `content_block_stop for block ${index}, which is not open`)
  if (block.type === "text" && block.held !== "") draft.events.push({ type: "text_delta", index, text: block.held })
  draft.open.delete(index)
  const closed = closeBlock(block)
  if (closed === undefined) return
  if ("invalidJson" in closed) return malformed(draft, `the input of tool call ${closed.invalidJson} (block ${index}) is not valid JSON`)
  draft.events.push({ type: "block_stop", index, block: closed })
}

const turnStop = (usage: Usage, stopReason: StopReason, stopSequence: string | undefined): TurnEvent =>
  stopSequence === undefined
    ? { type: "turn_stop", stopReason, usage }
    : { type: "turn_stop", stopReason, stopSequence, usage }

/** Closes every open block in index order, then the turn. */
const finishTurn = (draft: Draft, stopReason: StopReason, stopSequence: string | undefined): void => {
  for (const index of [...draft.open.keys()].sort((a, b) => a - b)) {
    stopBlock(draft, index)
    if (draft.fault !== undefined) return
  }
  draft.events.push(turnStop(draft.usage, stopReason, stopSequence))
  draft.phase = "done"
}

/** Appends text to a text block, holding back what could start a stop sequence. */
const appendText = (draft: Draft, index: number, block: TextBlock, delta: string): void => {
  if (draft.stops === undefined) {
    if (delta === "") return
    draft.events.push({ type: "text_delta", index, text: delta })
    return add(draft, index, delta)
  }
  const scan = scanForStop(draft.stops, block.stopNode, delta)
  const buffer = block.held + delta
  if (scan._tag === "Match") {
    const before = buffer.slice(0, block.held.length + scan.at)
    if (before !== "") draft.events.push({ type: "text_delta", index, text: before })
    add(draft, index, before)
    draft.open.set(index, { ...block, held: "", stopNode: ROOT })
    return finishTurn(draft, "stop_sequence", scan.sequence)
  }
  const emitted = buffer.slice(0, buffer.length - scan.held)
  if (emitted !== "") draft.events.push({ type: "text_delta", index, text: emitted })
  add(draft, index, emitted)
  draft.open.set(index, { ...block, held: buffer.slice(buffer.length - scan.held), stopNode: scan.node })
}

const startBlock = (draft: Draft, event: ContentBlockStartEvent): void => {
  const { index, content_block: start } = event
  if (draft.open.has(index)) return malformed(draft, `block ${index} was started twice`)
  switch (start.type) {
    case "text": {
      draft.events.push({ type: "block_start", index, block: { type: "text" } })
      const block: TextBlock = { type: "text", text: "", held: "", stopNode: ROOT }
      draft.open.set(index, block)
      if (start.text) appendText(draft, index, block, start.text)
      return
    }
    case "thinking": {
      draft.events.push({ type: "block_start", index, block: { type: "thinking" } })
      const thinking = start.thinking ?? ""
      const signature = start.signature ?? ""
      if (thinking !== "") draft.events.push({ type: "thinking_delta", index, thinking })
      if (signature !== "") draft.events.push({ type: "signature_delta", index, signature })
      draft.open.set(index, { type: "thinking", thinking, signature })
      return
    }
    case "redacted_thinking": {
      const data = start.data ?? ""
      draft.events.push({ type: "block_start", index, block: { type: "redacted_thinking", data } })
      draft.open.set(index, { type: "redacted_thinking", data })
      return
    }
    case "tool_use": {
      if (!start.id || !start.name) return malformed(draft, `tool_use block ${index} has no id or name`)
      draft.events.push({ type: "block_start", index, block: { type: "tool_use", id: start.id, name: start.name } })
      const startInput = typeof start.input === "object" && start.input !== null && Object.keys(start.input).length > 0
        ? start.input
        : undefined
      draft.open.set(index, { type: "tool_use", id: start.id, name: start.name, json: "", startInput })
      return
    }
    default:
      draft.open.set(index, { type: "skipped" })
  }
}

const applyDelta = (draft: Draft, event: ContentBlockDeltaEvent): void => {
  const { index, delta } = event
  const block = draft.open.get(index)
  if (block === undefined) return malformed(draft, `content_block_delta for block ${index}, which is not open`)
  if (block.type === "skipped") return
  const mismatch = () => malformed(draft, `a ${delta.type} for block ${index}, which is a ${block.type} block`)
  switch (delta.type) {
    case "text_delta":
      return block.type === "text" ? appendText(draft, index, block, delta.text ?? "") : mismatch()
    case "thinking_delta": {
      if (block.type !== "thinking") return mismatch()
      const thinking = delta.thinking ?? ""
      if (thinking === "") return
      draft.events.push({ type: "thinking_delta", index, thinking })
      return add(draft, index, thinking)
    }
    case "signature_delta": {
      if (block.type !== "thinking") return mismatch()
      const signature = delta.signature ?? ""
      draft.events.push({ type: "signature_delta", index, signature })
      draft.open.set(index, { ...block, signature })
      return
    }
    case "input_json_delta": {
      if (block.type !== "tool_use") return mismatch()
      const partialJson = delta.partial_json ?? ""
      if (partialJson === "") return
      draft.events.push({ type: "tool_input_delta", index, partialJson })
      return add(draft, index, partialJson)
    }
    default:
      // A delta type the API added since (e.g. citations): ignored, like unknown block types.
      return
  }
}

/** One event into the draft. Events after the turn is done (e.g. past a stop-sequence match) change nothing. */
const apply = (draft: Draft, event: AnthropicEvent): void => {
  if (draft.phase === "done") return
  if (event.type === "error") {
    draft.fault = {
      _tag: "ErrorEvent",
      type: event.error?.type ?? undefined,
      message: event.error?.message ?? undefined,
      requestId: event.request_id ?? undefined
    }
    return
  }
  if (event.type === "ping") return
  if (draft.phase === "awaiting_start") {
    if (event.type !== "message_start") return malformed(draft, `${event.type} arrived before message_start`)
    draft.usage = mergeUsage(draft.usage, event.message.usage)
    draft.events.push({ type: "turn_start", messageId: event.message.id ?? "", model: event.message.model ?? draft.fallbackModel })
    if (event.message.usage) draft.events.push({ type: "usage", usage: draft.usage })
    draft.phase = "streaming"
    return
  }
  switch (event.type) {
    case "message_start":
      return malformed(draft, "message_start arrived twice")
    case "content_block_start":
      return startBlock(draft, event)
    case "content_block_delta":
      return applyDelta(draft, event)
    case "content_block_stop":
      return stopBlock(draft, event.index)
    case "message_delta": {
      draft.stopReason = event.delta?.stop_reason || draft.stopReason
      draft.stopSequence = event.delta?.stop_sequence || draft.stopSequence
      draft.sawMessageDelta = true
      draft.usage = mergeUsage(draft.usage, event.usage)
      if (event.usage) draft.events.push({ type: "usage", usage: draft.usage })
      return
    }
    case "message_stop":
      return finishTurn(draft, draft.stopReason || "end_turn", draft.stopSequence)
    default:
      return absurd(event)
  }
}

const draftOf = (state: BlockState): Draft => ({
  phase: state.phase,
  usage: state.usage,
  stopReason: state.stopReason,
  stopSequence: state.stopSequence,
  sawMessageDelta: state.sawMessageDelta,
  fault: undefined,
  stops: state.stops,
  fallbackModel: state.fallbackModel,
  open: new Map(state.open),
  added: new Map(),
  events: []
})

const stepOf = (draft: Draft): ReducerStep => {
  for (const index of [...draft.added.keys()]) joined(draft, index)
  const state: BlockState = {
    phase: draft.phase,
    stops: draft.stops,
    fallbackModel: draft.fallbackModel,
    open: draft.open,
    usage: draft.usage,
    stopReason: draft.stopReason,
    stopSequence: draft.stopSequence,
    sawMessageDelta: draft.sawMessageDelta
  }
  return draft.fault === undefined ? { state, events: draft.events } : { state, events: draft.events, fault: draft.fault }
}

/** Folds a batch of events; stops at the first fault. */
export const reduceBlockEvents = (state: BlockState, batch: ReadonlyArray<AnthropicEvent>): ReducerStep => {
  const draft = draftOf(state)
  for (const event of batch) {
    apply(draft, event)
    if (draft.fault !== undefined) break
  }
  return stepOf(draft)
}

/**
 * What the end of the upstream stream means. The turn is over when `message_stop` came, and
 * also when the stream closed after `message_delta` with every block closed: real MiniMax
 * streams end without the blank line that would dispatch `message_stop`, and the answer is
 * whole. Anything earlier is a stream cut short.
 */
export const endOfStream = (state: BlockState): ReducerStep => {
  if (state.phase === "done") return { state, events: [] }
  if (state.phase === "streaming" && state.sawMessageDelta && state.open.size === 0) {
    const draft = draftOf(state)
    finishTurn(draft, draft.stopReason || "end_turn", draft.stopSequence)
    return stepOf(draft)
  }
  const message = state.phase === "awaiting_start"
    ? "the stream ended before message_start"
    : state.sawMessageDelta
    ? "the stream ended before message_stop, with a block still open"
    : "the stream ended before message_delta and message_stop"
  return { state, events: [], fault: { _tag: "Truncated", message } }
}
