/**
 * The block-state reducer: (state, Anthropic events) → (state, TurnEvents). Pure: no I/O,
 * no clock, no Effect, and the state it is given is never changed. It keeps every block byte
 * for byte (thinking with its signature, redacted data, tool ids and names), assembles tool
 * input JSON and parses it once at `content_block_stop` (numbers a double cannot hold stay
 * exact), enforces stop sequences on text, and repairs markup MiniMax writes as text
 * (./markupRepair.ts). Blocks are numbered in the order they start, from 0, with no gaps: a
 * repair may split one upstream text block into several.
 *
 * A batch (all the events of one upstream chunk) is reduced on one draft (./ReducerDraft.ts).
 * The text a batch adds to a block is joined once, at the end of the batch: a block kept as
 * one rope node per token-sized delta held about 1 MB per 20k-event turn.
 */
import { parseJsonExact, type StopReason, type TurnEvent, type Usage } from "@plexum/sdk"
import type { AnthropicEvent, ContentBlockDeltaEvent, ContentBlockStartEvent } from "./AnthropicEvent.ts"
import { endMarkup, initialScan, type Invoke, type Piece, scanMarkup, typedValue } from "./markupRepair.ts"
import {
  absurd,
  add,
  type BlockState,
  closeBlock,
  type Draft,
  draftOf,
  emit,
  joined,
  mergeUsage,
  type OpenBlock,
  type ReducerOptions,
  releaseDeferred,
  stepOf,
  takeIndex,
  type TextBlock
} from "./ReducerDraft.ts"
import { buildStopAutomaton, ROOT, scanForStop } from "./stopSequences.ts"
import type { StreamFault } from "./StreamFault.ts"

export { type BlockState, mergeUsage } from "./ReducerDraft.ts"

export interface ReducerStep {
  readonly state: BlockState
  readonly events: ReadonlyArray<TurnEvent>
  readonly fault?: StreamFault
}

export interface TurnShape {
  readonly model: string
  readonly stopSequences?: ReadonlyArray<string> | undefined
  readonly repairMarkup?: boolean | undefined
  readonly tools?: ReadonlyArray<{ readonly name: string; readonly inputSchema: Readonly<Record<string, unknown>> }> | undefined
  readonly toolCallId?: ((n: number) => string) | undefined
  readonly emptyIsFault?: boolean | undefined
  /** What the turn costs for a usage (the model's price, unless a plan pays): carried on `turn_stop` as `costUsd`. */
  readonly costOf?: ((usage: Usage) => number | undefined) | undefined
}

export const initialBlockState = (turn: TurnShape): BlockState => {
  const options: ReducerOptions = {
    stops: buildStopAutomaton(turn.stopSequences ?? []),
    fallbackModel: turn.model,
    repairMarkup: turn.repairMarkup ?? false,
    toolProperties: new Map((turn.tools ?? []).map((tool) => {
      const properties = tool.inputSchema.properties
      return [tool.name, typeof properties === "object" && properties !== null ? properties as Record<string, unknown> : {}]
    })),
    toolCallId: turn.toolCallId ?? ((n) => `call_function_recovered_${n}`),
    emptyIsFault: turn.emptyIsFault ?? false,
    costOf: turn.costOf ?? (() => undefined)
  }
  return {
    phase: "awaiting_start",
    options,
    open: new Map(),
    usage: { inputTokens: 0, outputTokens: 0 },
    stopReason: undefined,
    stopSequence: undefined,
    sawMessageDelta: false,
    nextIndex: 0,
    deferred: [],
    textBlocksSeen: 0,
    recoveredCalls: 0,
    strayClosers: 0
  }
}

const malformed = (draft: Draft, message: string): void => {
  draft.fault = { _tag: "Malformed", message }
}

/** Closes the text part being relayed (flushing held-back text); the upstream block may go on. */
const closeTextPart = (draft: Draft, key: number): void => {
  const block = joined(draft, key)
  if (block?.type !== "text" || block.out === undefined) return
  if (block.held !== "") emit(draft, { type: "text_delta", index: block.out, text: block.held })
  emit(draft, { type: "block_stop", index: block.out, block: { type: "text", text: block.text + block.held } })
  draft.open.set(key, { ...block, out: undefined, text: "", held: "", stopNode: ROOT, produced: true })
}

/** Emits the block_stop for upstream block `key`, flushing what a text block still holds. */
const stopBlock = (draft: Draft, key: number): void => {
  const block = draft.open.get(key)
  if (block === undefined) return malformed(draft, `content_block_stop for block ${key}, which is not open`)
  if (block.type === "text") {
    if (block.scan !== undefined) {
      draft.open.set(key, { ...block, scan: undefined })
      relayPieces(draft, key, endMarkup(block.scan))
      if (draft.phase === "done") return
    }
    const part = draft.open.get(key) as TextBlock
    if (part.out === undefined && !part.produced) {
      const index = takeIndex(draft)
      emit(draft, { type: "block_start", index, block: { type: "text" } })
      emit(draft, { type: "block_stop", index, block: { type: "text", text: "" } })
    } else closeTextPart(draft, key)
    draft.open.delete(key)
    return
  }
  const current = joined(draft, key)!
  draft.open.delete(key)
  const closed = closeBlock(current as Exclude<OpenBlock, TextBlock>)
  if (closed === undefined || current.type === "skipped" || current.type === "text") return
  if ("invalidJson" in closed) return malformed(draft, `the input of tool call ${closed.invalidJson} (block ${current.out}) is not valid JSON`)
  emit(draft, { type: "block_stop", index: current.out, block: closed })
}

const turnStop = (usage: Usage, stopReason: StopReason, stopSequence: string | undefined): TurnEvent =>
  stopSequence === undefined
    ? { type: "turn_stop", stopReason, usage }
    : { type: "turn_stop", stopReason, stopSequence, usage }

/**
 * Closes every open block in start order, then the turn. Text a block still held may match a
 * stop sequence as it is flushed; that match then finishes the turn, and this call stops.
 */
const finishTurn = (draft: Draft, stopReason: StopReason, stopSequence: string | undefined): void => {
  for (const key of [...draft.open.keys()].sort((a, b) => a - b)) {
    if (!draft.open.has(key)) continue
    stopBlock(draft, key)
    if (draft.fault !== undefined || draft.phase === "done") return
  }
  if (draft.deferred !== undefined && draft.options.emptyIsFault) {
    draft.fault = { _tag: "Empty" }
    return
  }
  releaseDeferred(draft)
  const reason = stopReason === "end_turn" && draft.recoveredCalls > 0 ? "tool_use" : stopReason
  const costUsd = draft.options.costOf(draft.usage)
  draft.events.push(turnStop(costUsd === undefined ? draft.usage : { ...draft.usage, costUsd }, reason, stopSequence))
  draft.phase = "done"
}

/** Relays text in the current text part, holding back what could start a stop sequence. */
const relayText = (draft: Draft, key: number, text: string): void => {
  let block = draft.open.get(key) as TextBlock
  if (text === "") return
  if (block.out === undefined) {
    block = { ...block, out: takeIndex(draft) }
    draft.open.set(key, block)
    emit(draft, { type: "block_start", index: block.out!, block: { type: "text" } })
  }
  const index = block.out!
  if (draft.options.stops === undefined) {
    emit(draft, { type: "text_delta", index, text })
    return add(draft, key, text)
  }
  const scan = scanForStop(draft.options.stops, block.stopNode, text)
  const buffer = block.held + text
  if (scan._tag === "Match") {
    const before = buffer.slice(0, block.held.length + scan.at)
    if (before !== "") emit(draft, { type: "text_delta", index, text: before })
    add(draft, key, before)
    draft.open.set(key, { ...block, held: "", stopNode: ROOT, scan: undefined })
    return finishTurn(draft, "stop_sequence", scan.sequence)
  }
  const emitted = buffer.slice(0, buffer.length - scan.held)
  if (emitted !== "") emit(draft, { type: "text_delta", index, text: emitted })
  add(draft, key, emitted)
  draft.open.set(key, { ...block, held: buffer.slice(buffer.length - scan.held), stopNode: scan.node })
}

/**
 * A tool call recovered from text: one tool_use block per invoke, parameters typed by the
 * tool's schema. Parameter names are the upstream's choice, so each is defined as an own
 * property (`__proto__` included), as JSON.parse keeps it in a native tool_use's input.
 */
const relayToolCall = (draft: Draft, invokes: ReadonlyArray<Invoke>): void => {
  for (const invoke of invokes) {
    const properties = draft.options.toolProperties.get(invoke.name) ?? {}
    const input: Record<string, unknown> = {}
    for (const [name, raw] of invoke.parameters) {
      const schema = Object.hasOwn(properties, name) ? properties[name] as { readonly type?: unknown } | undefined : undefined
      Object.defineProperty(input, name, { value: typedValue(raw, schema?.type, parseJsonExact), enumerable: true, writable: true, configurable: true })
    }
    const id = draft.options.toolCallId(++draft.recoveredCalls)
    const index = takeIndex(draft)
    emit(draft, { type: "block_start", index, block: { type: "tool_use", id, name: invoke.name } })
    emit(draft, { type: "tool_input_delta", index, partialJson: JSON.stringify(input) })
    emit(draft, { type: "block_stop", index, block: { type: "tool_use", id, name: invoke.name, input } })
  }
}

/**
 * Markup is recovered as a tool call only when every call in it names a tool the request
 * declared; anything else (a reply quoting the format, a call to a tool nobody offered) is text.
 */
const offered = (draft: Draft, piece: Piece): Piece =>
  piece.kind === "toolCall" && !piece.invokes.every((invoke) => draft.options.toolProperties.has(invoke.name))
    ? { kind: "text", text: piece.raw }
    : piece

const relayPieces = (draft: Draft, key: number, pieces: ReadonlyArray<Piece>): void => {
  for (const scanned of pieces) {
    const piece = offered(draft, scanned)
    if (draft.phase === "done" || draft.fault !== undefined) return
    if (piece.kind !== "text") {
      closeTextPart(draft, key)
      draft.open.set(key, { ...(draft.open.get(key) as TextBlock), produced: true })
    }
    switch (piece.kind) {
      case "text":
        relayText(draft, key, piece.text)
        break
      case "toolCall":
        relayToolCall(draft, piece.invokes)
        break
      case "strayCloser":
        draft.strayClosers++
        break
      case "thinking": {
        const index = takeIndex(draft)
        emit(draft, { type: "block_start", index, block: { type: "thinking" } })
        if (piece.thinking !== "") emit(draft, { type: "thinking_delta", index, thinking: piece.thinking })
        emit(draft, { type: "block_stop", index, block: { type: "thinking", thinking: piece.thinking, signature: "" } })
        break
      }
      default:
        absurd(piece)
    }
  }
}

/**
 * Text from upstream block `key`: through the markup scanner when repairs are on. Nearly every
 * delta holds no `<` while nothing is held back, and goes straight through.
 */
const appendText = (draft: Draft, key: number, block: TextBlock, delta: string): void => {
  const scan = block.scan
  if (scan === undefined || (scan.phase === "text" && scan.held === "" && delta.indexOf("<") < 0)) return relayText(draft, key, delta)
  const step = scanMarkup(scan, delta)
  draft.open.set(key, { ...block, scan: step.state })
  relayPieces(draft, key, step.pieces)
}

const startBlock = (draft: Draft, event: ContentBlockStartEvent): void => {
  const { index: key, content_block: start } = event
  if (draft.open.has(key)) return malformed(draft, `block ${key} was started twice`)
  switch (start.type) {
    case "text": {
      const first = draft.textBlocksSeen++ === 0
      const block: TextBlock = {
        type: "text",
        out: undefined,
        text: "",
        held: "",
        stopNode: ROOT,
        scan: draft.options.repairMarkup ? initialScan(first) : undefined,
        produced: false
      }
      draft.open.set(key, block)
      if (start.text) appendText(draft, key, block, start.text)
      return
    }
    case "thinking": {
      const out = takeIndex(draft)
      emit(draft, { type: "block_start", index: out, block: { type: "thinking" } })
      const thinking = start.thinking ?? ""
      const signature = start.signature ?? ""
      if (thinking !== "") emit(draft, { type: "thinking_delta", index: out, thinking })
      if (signature !== "") emit(draft, { type: "signature_delta", index: out, signature })
      draft.open.set(key, { type: "thinking", out, thinking, signature })
      return
    }
    case "redacted_thinking": {
      const out = takeIndex(draft)
      const data = start.data ?? ""
      emit(draft, { type: "block_start", index: out, block: { type: "redacted_thinking", data } })
      draft.open.set(key, { type: "redacted_thinking", out, data })
      return
    }
    case "tool_use": {
      if (!start.id || !start.name) return malformed(draft, `tool_use block ${key} has no id or name`)
      const out = takeIndex(draft)
      emit(draft, { type: "block_start", index: out, block: { type: "tool_use", id: start.id, name: start.name } })
      const startInput = typeof start.input === "object" && start.input !== null && Object.keys(start.input).length > 0
        ? start.input
        : undefined
      draft.open.set(key, { type: "tool_use", out, id: start.id, name: start.name, json: "", startInput })
      return
    }
    default:
      draft.open.set(key, { type: "skipped" })
  }
}

const applyDelta = (draft: Draft, event: ContentBlockDeltaEvent): void => {
  const { index: key, delta } = event
  const block = draft.open.get(key)
  if (block === undefined) return malformed(draft, `content_block_delta for block ${key}, which is not open`)
  if (block.type === "skipped") return
  const mismatch = () => malformed(draft, `a ${delta.type} for block ${key}, which is a ${block.type} block`)
  switch (delta.type) {
    case "text_delta":
      return block.type === "text" ? appendText(draft, key, block, delta.text ?? "") : mismatch()
    case "thinking_delta": {
      if (block.type !== "thinking") return mismatch()
      const thinking = delta.thinking ?? ""
      if (thinking === "") return
      emit(draft, { type: "thinking_delta", index: block.out, thinking })
      return add(draft, key, thinking)
    }
    case "signature_delta": {
      if (block.type !== "thinking") return mismatch()
      const signature = delta.signature ?? ""
      emit(draft, { type: "signature_delta", index: block.out, signature })
      draft.open.set(key, { ...block, signature })
      return
    }
    case "input_json_delta": {
      if (block.type !== "tool_use") return mismatch()
      const partialJson = delta.partial_json ?? ""
      if (partialJson === "") return
      emit(draft, { type: "tool_input_delta", index: block.out, partialJson })
      return add(draft, key, partialJson)
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
    emit(draft, { type: "turn_start", messageId: event.message.id ?? "", model: event.message.model ?? draft.options.fallbackModel })
    if (event.message.usage) emit(draft, { type: "usage", usage: draft.usage })
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
      if (event.usage) emit(draft, { type: "usage", usage: draft.usage })
      return
    }
    case "message_stop":
      return finishTurn(draft, draft.stopReason || "end_turn", draft.stopSequence)
    default:
      return absurd(event)
  }
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
