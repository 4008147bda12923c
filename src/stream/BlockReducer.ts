/**
 * The block-state reducer: (state, Anthropic event) → (state, TurnEvents). Pure: no I/O,
 * no clock, no Effect. It keeps every block byte for byte (thinking with its signature,
 * redacted data, tool ids and names), assembles tool input JSON and parses it once at
 * `content_block_stop`, and enforces stop sequences on text blocks.
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

export interface BlockState {
  readonly phase: "awaiting_start" | "streaming" | "done"
  readonly stopSequences: ReadonlyArray<string>
  readonly fallbackModel: string
  readonly open: Readonly<Record<number, OpenBlock>>
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
  open: {},
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

const protocolFault = (state: BlockState, events: ReadonlyArray<TurnEvent>, message: string): ReducerStep => ({
  state,
  events,
  fault: { _tag: "Protocol", message }
})

const withBlock = (state: BlockState, index: number, block: OpenBlock | undefined): BlockState => {
  const open = { ...state.open }
  if (block === undefined) delete open[index]
  else open[index] = block
  return { ...state, open }
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
const stopBlock = (state: BlockState, index: number, events: Array<TurnEvent>): ReducerStep => {
  const block = state.open[index]
  if (block === undefined) return protocolFault(state, events, `content_block_stop for block ${index}, which is not open`)
  if (block.type === "text" && block.held !== "") events.push({ type: "text_delta", index, text: block.held })
  const closed = closeBlock(block)
  const next = withBlock(state, index, undefined)
  if (closed === undefined) return { state: next, events }
  if ("invalidJson" in closed) {
    return protocolFault(next, events, `the input of tool call ${closed.invalidJson} (block ${index}) is not valid JSON`)
  }
  events.push({ type: "block_stop", index, block: closed })
  return { state: next, events }
}

const turnStop = (state: BlockState, stopReason: StopReason, stopSequence: string | undefined): TurnEvent =>
  stopSequence === undefined
    ? { type: "turn_stop", stopReason, usage: state.usage }
    : { type: "turn_stop", stopReason, stopSequence, usage: state.usage }

/** Closes every open block in index order, then the turn. */
const finishTurn = (state: BlockState, events: Array<TurnEvent>, stopReason: StopReason, stopSequence: string | undefined): ReducerStep => {
  let current = state
  for (const index of Object.keys(state.open).map(Number).sort((a, b) => a - b)) {
    const step = stopBlock(current, index, events)
    if (step.fault !== undefined) return step
    current = step.state
  }
  events.push(turnStop(current, stopReason, stopSequence))
  return { state: { ...current, phase: "done" }, events }
}

/** Appends text to a text block, holding back what could start a stop sequence. */
const appendText = (state: BlockState, index: number, block: Extract<OpenBlock, { type: "text" }>, delta: string, events: Array<TurnEvent>): ReducerStep => {
  if (state.stopSequences.length === 0) {
    if (delta !== "") events.push({ type: "text_delta", index, text: delta })
    return { state: withBlock(state, index, { type: "text", text: block.text + delta, held: "" }), events }
  }
  const buffer = block.held + delta
  const match = findStopSequence(buffer, state.stopSequences)
  if (match !== undefined) {
    const before = buffer.slice(0, match.at)
    if (before !== "") events.push({ type: "text_delta", index, text: before })
    const truncated = withBlock(state, index, { type: "text", text: block.text + before, held: "" })
    return finishTurn(truncated, events, "stop_sequence", match.sequence)
  }
  const held = heldBackLength(buffer, state.stopSequences)
  const emitted = buffer.slice(0, buffer.length - held)
  if (emitted !== "") events.push({ type: "text_delta", index, text: emitted })
  return { state: withBlock(state, index, { type: "text", text: block.text + emitted, held: buffer.slice(buffer.length - held) }), events }
}

const startBlock = (state: BlockState, event: Extract<AnthropicEvent, { type: "content_block_start" }>, events: Array<TurnEvent>): ReducerStep => {
  const { index, content_block: start } = event
  if (state.open[index] !== undefined) return protocolFault(state, events, `block ${index} was started twice`)
  switch (start.type) {
    case "text": {
      events.push({ type: "block_start", index, block: { type: "text" } })
      const block = { type: "text", text: "", held: "" } as const
      return start.text ? appendText(state, index, block, start.text, events) : { state: withBlock(state, index, block), events }
    }
    case "thinking": {
      events.push({ type: "block_start", index, block: { type: "thinking" } })
      const thinking = start.thinking ?? ""
      const signature = start.signature ?? ""
      if (thinking !== "") events.push({ type: "thinking_delta", index, thinking })
      if (signature !== "") events.push({ type: "signature_delta", index, signature })
      return { state: withBlock(state, index, { type: "thinking", thinking, signature }), events }
    }
    case "redacted_thinking": {
      const data = start.data ?? ""
      events.push({ type: "block_start", index, block: { type: "redacted_thinking", data } })
      return { state: withBlock(state, index, { type: "redacted_thinking", data }), events }
    }
    case "tool_use": {
      if (!start.id || !start.name) return protocolFault(state, events, `tool_use block ${index} has no id or name`)
      events.push({ type: "block_start", index, block: { type: "tool_use", id: start.id, name: start.name } })
      const startInput = typeof start.input === "object" && start.input !== null && Object.keys(start.input).length > 0
        ? start.input
        : undefined
      return { state: withBlock(state, index, { type: "tool_use", id: start.id, name: start.name, json: "", startInput }), events }
    }
    default:
      return { state: withBlock(state, index, { type: "skipped" }), events }
  }
}

const applyDelta = (state: BlockState, event: Extract<AnthropicEvent, { type: "content_block_delta" }>, events: Array<TurnEvent>): ReducerStep => {
  const { index, delta } = event
  const block = state.open[index]
  if (block === undefined) return protocolFault(state, events, `content_block_delta for block ${index}, which is not open`)
  if (block.type === "skipped") return { state, events }
  const mismatch = () => protocolFault(state, events, `a ${delta.type} for block ${index}, which is a ${block.type} block`)
  switch (delta.type) {
    case "text_delta":
      return block.type === "text" ? appendText(state, index, block, delta.text ?? "", events) : mismatch()
    case "thinking_delta": {
      if (block.type !== "thinking") return mismatch()
      const thinking = delta.thinking ?? ""
      if (thinking !== "") events.push({ type: "thinking_delta", index, thinking })
      return { state: withBlock(state, index, { ...block, thinking: block.thinking + thinking }), events }
    }
    case "signature_delta": {
      if (block.type !== "thinking") return mismatch()
      const signature = delta.signature ?? ""
      events.push({ type: "signature_delta", index, signature })
      return { state: withBlock(state, index, { ...block, signature }), events }
    }
    case "input_json_delta": {
      if (block.type !== "tool_use") return mismatch()
      const partialJson = delta.partial_json ?? ""
      if (partialJson !== "") events.push({ type: "tool_input_delta", index, partialJson })
      return { state: withBlock(state, index, { ...block, json: block.json + partialJson }), events }
    }
    default:
      return { state, events }
  }
}

/** One event. Events after the turn is done (e.g. past a stop-sequence match) change nothing. */
export const reduceBlockEvent = (state: BlockState, event: AnthropicEvent): ReducerStep => {
  const events: Array<TurnEvent> = []
  if (state.phase === "done") return { state, events }
  if (event.type === "error") {
    return {
      state,
      events,
      fault: {
        _tag: "ErrorEvent",
        type: event.error?.type ?? undefined,
        message: event.error?.message ?? undefined,
        requestId: event.request_id ?? undefined
      }
    }
  }
  if (event.type === "ping") return { state, events }
  if (state.phase === "awaiting_start") {
    if (event.type !== "message_start") return protocolFault(state, events, `${event.type} arrived before message_start`)
    const usage = mergeUsage(state.usage, event.message.usage)
    events.push({ type: "turn_start", messageId: event.message.id ?? "", model: event.message.model ?? state.fallbackModel })
    if (event.message.usage) events.push({ type: "usage", usage })
    return { state: { ...state, phase: "streaming", usage }, events }
  }
  switch (event.type) {
    case "message_start":
      return protocolFault(state, events, "message_start arrived twice")
    case "content_block_start":
      return startBlock(state, event, events)
    case "content_block_delta":
      return applyDelta(state, event, events)
    case "content_block_stop":
      return stopBlock(state, event.index, events)
    case "message_delta": {
      const stopReason = event.delta?.stop_reason || state.stopReason
      const stopSequence = event.delta?.stop_sequence || state.stopSequence
      const usage = mergeUsage(state.usage, event.usage)
      if (event.usage) events.push({ type: "usage", usage })
      return { state: { ...state, stopReason, stopSequence, usage }, events }
    }
    case "message_stop":
      return finishTurn(state, events, state.stopReason || "end_turn", state.stopSequence)
  }
}

/** Folds a batch of events; stops at the first fault. */
export const reduceBlockEvents = (state: BlockState, batch: ReadonlyArray<AnthropicEvent>): ReducerStep => {
  let current = state
  const events: Array<TurnEvent> = []
  for (const event of batch) {
    const step = reduceBlockEvent(current, event)
    for (const e of step.events) events.push(e)
    current = step.state
    if (step.fault !== undefined) return { state: current, events, fault: step.fault }
  }
  return { state: current, events }
}

/** What an ended upstream stream means: nothing when the turn finished, else a fault. */
export const endOfStream = (state: BlockState): ReducerFault | undefined =>
  state.phase === "done"
    ? undefined
    : { _tag: "Protocol", message: state.phase === "awaiting_start" ? "the stream ended before message_start" : "the stream ended before message_stop" }
