/**
 * The block-state reducer: (state, Anthropic events) → (state, TurnEvents). Pure: no I/O,
 * no clock, no Effect, and the state it is given is never changed. It keeps every block byte
 * for byte (thinking with its signature, redacted data, tool ids and names), assembles tool
 * input JSON and parses it once at `content_block_stop`, and enforces stop sequences on text
 * blocks.
 *
 * A batch (all the events of one upstream chunk) is reduced on one draft: a copy of the state
 * made once, changed in place, and returned as the next state. The text a batch adds to a block
 * is joined once, at the end of the batch: a block kept as one rope node per token-sized delta
 * held about 1 MB per 20k-event turn, most of the plugin's live memory with 32 turns open.
 */
import type { AssistantBlock, StopReason, TurnEvent, Usage } from "@plexum/sdk"
import type { AnthropicEvent, AnthropicUsage } from "./AnthropicEvent.ts"
import { findStopSequence, heldBackLength } from "./stopSequences.ts"

type OpenBlock =
  /** `held` is text not yet emitted because it could be the start of a stop sequence. */
  | { readonly type: "text"; readonly text: string; readonly held: string }
  | { readonly type: "thinking"; readonly thinking: string; readonly signature: string }
  | { readonly type: "redacted_thinking"; readonly data: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly json: string; readonly startInput: unknown }
  /** A block type the protocol does not know: no events for it. */
  | { readonly type: "skipped" }

type TextBlock = Extract<OpenBlock, { type: "text" }>

export interface BlockState {
  readonly phase: "awaiting_start" | "streaming" | "done"
  readonly stopSequences: ReadonlyArray<string>
  readonly fallbackModel: string
  readonly open: ReadonlyMap<number, OpenBlock>
  readonly usage: Usage
  readonly stopReason: string | undefined
  readonly stopSequence: string | undefined
}

/** Why the turn cannot go on: an `error` event, or a stream that breaks the protocol. */
export type ReducerFault =
  | { readonly _tag: "ErrorEvent"; readonly type: string | undefined; readonly message: string | undefined; readonly requestId: string | undefined }
  | { readonly _tag: "Protocol"; readonly message: string }

export interface ReducerStep {
  readonly state: BlockState
  readonly events: ReadonlyArray<TurnEvent>
  readonly fault?: ReducerFault
}

export const initialBlockState = (options: { readonly stopSequences?: ReadonlyArray<string> | undefined; readonly model: string }): BlockState => ({
  phase: "awaiting_start",
  stopSequences: (options.stopSequences ?? []).filter((s) => s !== ""),
  fallbackModel: options.model,
  open: new Map(),
  usage: { inputTokens: 0, outputTokens: 0 },
  stopReason: undefined,
  stopSequence: undefined
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
  fault: ReducerFault | undefined
  readonly stopSequences: ReadonlyArray<string>
  readonly fallbackModel: string
  readonly open: Map<number, OpenBlock>
  /** Pieces this batch added to the text, thinking or tool input of an open block, not yet joined into it. */
  readonly added: Map<number, Array<string>>
  readonly events: Array<TurnEvent>
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
  const next: OpenBlock = block.type === "text"
    ? { type: "text", text: block.text + more, held: block.held }
    : block.type === "thinking"
    ? { type: "thinking", thinking: block.thinking + more, signature: block.signature }
    : block.type === "tool_use"
    ? { ...block, json: block.json + more }
    : block
  draft.open.set(index, next)
  return next
}

const protocolFault = (draft: Draft, message: string): void => {
  draft.fault = { _tag: "Protocol", message }
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
        return { type: "tool_use", id: block.id, name: block.name, input: JSON.parse(block.json) }
      } catch {
        return { invalidJson: block.name }
      }
    }
    case "skipped":
      return undefined
  }
}

/** Emits the block_stop for `index`, flushing held-back text first. */
const stopBlock = (draft: Draft, index: number): void => {
  const block = joined(draft, index)
  if (block === undefined) return protocolFault(draft, `content_block_stop for block ${index}, which is not open`)
  if (block.type === "text" && block.held !== "") draft.events.push({ type: "text_delta", index, text: block.held })
  draft.open.delete(index)
  const closed = closeBlock(block)
  if (closed === undefined) return
  if ("invalidJson" in closed) return protocolFault(draft, `the input of tool call ${closed.invalidJson} (block ${index}) is not valid JSON`)
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
  if (draft.stopSequences.length === 0) {
    if (delta === "") return
    draft.events.push({ type: "text_delta", index, text: delta })
    return add(draft, index, delta)
  }
  const buffer = block.held + delta
  const match = findStopSequence(buffer, draft.stopSequences)
  if (match !== undefined) {
    const before = buffer.slice(0, match.at)
    if (before !== "") draft.events.push({ type: "text_delta", index, text: before })
    add(draft, index, before)
    draft.open.set(index, { type: "text", text: block.text, held: "" })
    return finishTurn(draft, "stop_sequence", match.sequence)
  }
  const held = heldBackLength(buffer, draft.stopSequences)
  const emitted = buffer.slice(0, buffer.length - held)
  if (emitted !== "") draft.events.push({ type: "text_delta", index, text: emitted })
  add(draft, index, emitted)
  draft.open.set(index, { type: "text", text: block.text, held: buffer.slice(buffer.length - held) })
}

const startBlock = (draft: Draft, event: Extract<AnthropicEvent, { type: "content_block_start" }>): void => {
  const { index, content_block: start } = event
  if (draft.open.has(index)) return protocolFault(draft, `block ${index} was started twice`)
  switch (start.type) {
    case "text": {
      draft.events.push({ type: "block_start", index, block: { type: "text" } })
      const block: TextBlock = { type: "text", text: "", held: "" }
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
      if (!start.id || !start.name) return protocolFault(draft, `tool_use block ${index} has no id or name`)
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

const applyDelta = (draft: Draft, event: Extract<AnthropicEvent, { type: "content_block_delta" }>): void => {
  const { index, delta } = event
  const block = draft.open.get(index)
  if (block === undefined) return protocolFault(draft, `content_block_delta for block ${index}, which is not open`)
  if (block.type === "skipped") return
  const mismatch = () => protocolFault(draft, `a ${delta.type} for block ${index}, which is a ${block.type} block`)
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
      draft.open.set(index, { type: "thinking", thinking: block.thinking, signature })
      return
    }
    case "input_json_delta": {
      if (block.type !== "tool_use") return mismatch()
      const partialJson = delta.partial_json ?? ""
      if (partialJson === "") return
      draft.events.push({ type: "tool_input_delta", index, partialJson })
      return add(draft, index, partialJson)
    }
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
    if (event.type !== "message_start") return protocolFault(draft, `${event.type} arrived before message_start`)
    draft.usage = mergeUsage(draft.usage, event.message.usage)
    draft.events.push({ type: "turn_start", messageId: event.message.id ?? "", model: event.message.model ?? draft.fallbackModel })
    if (event.message.usage) draft.events.push({ type: "usage", usage: draft.usage })
    draft.phase = "streaming"
    return
  }
  switch (event.type) {
    case "message_start":
      return protocolFault(draft, "message_start arrived twice")
    case "content_block_start":
      return startBlock(draft, event)
    case "content_block_delta":
      return applyDelta(draft, event)
    case "content_block_stop":
      return stopBlock(draft, event.index)
    case "message_delta": {
      draft.stopReason = event.delta?.stop_reason || draft.stopReason
      draft.stopSequence = event.delta?.stop_sequence || draft.stopSequence
      draft.usage = mergeUsage(draft.usage, event.usage)
      if (event.usage) draft.events.push({ type: "usage", usage: draft.usage })
      return
    }
    case "message_stop":
      return finishTurn(draft, draft.stopReason || "end_turn", draft.stopSequence)
  }
}

/** Folds a batch of events; stops at the first fault. */
export const reduceBlockEvents = (state: BlockState, batch: ReadonlyArray<AnthropicEvent>): ReducerStep => {
  const draft: Draft = {
    phase: state.phase,
    usage: state.usage,
    stopReason: state.stopReason,
    stopSequence: state.stopSequence,
    fault: undefined,
    stopSequences: state.stopSequences,
    fallbackModel: state.fallbackModel,
    open: new Map(state.open),
    added: new Map(),
    events: []
  }
  for (const event of batch) {
    apply(draft, event)
    if (draft.fault !== undefined) break
  }
  for (const index of [...draft.added.keys()]) joined(draft, index)
  const next: BlockState = {
    phase: draft.phase,
    stopSequences: draft.stopSequences,
    fallbackModel: draft.fallbackModel,
    open: draft.open,
    usage: draft.usage,
    stopReason: draft.stopReason,
    stopSequence: draft.stopSequence
  }
  return draft.fault === undefined ? { state: next, events: draft.events } : { state: next, events: draft.events, fault: draft.fault }
}

/** What an ended upstream stream means: nothing when the turn finished, else a fault. */
export const endOfStream = (state: BlockState): ReducerFault | undefined =>
  state.phase === "done"
    ? undefined
    : { _tag: "Protocol", message: state.phase === "awaiting_start" ? "the stream ended before message_start" : "the stream ended before message_stop" }
