/**
 * Stream repairs on plain values (issue 14): tool calls written as XML text, a leading <think>,
 * the end-of-stream rule and the empty-turn decision, through the reducer with no HTTP, no
 * fibers and no clock.
 */
import type { ContentBlock, TurnEvent } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import type { AnthropicEvent } from "../../src/stream/AnthropicEvent.ts"
import { endOfStream, initialBlockState, reduceBlockEvents, type TurnShape } from "../../src/stream/BlockReducer.ts"
import { parseInvokes } from "../../src/stream/markupRepair.ts"

const messageStart: AnthropicEvent = { type: "message_start", message: { id: "m1", model: "MiniMax-M2.5" } }
const textStart = (index = 0): AnthropicEvent => ({ type: "content_block_start", index, content_block: { type: "text", text: "" } })
const textDelta = (text: string, index = 0): AnthropicEvent => ({ type: "content_block_delta", index, delta: { type: "text_delta", text } })
const blockStop = (index = 0): AnthropicEvent => ({ type: "content_block_stop", index })
const messageDelta = (stop_reason = "end_turn"): AnthropicEvent => ({ type: "message_delta", delta: { stop_reason }, usage: { input_tokens: 1, output_tokens: 2 } })
const messageStop: AnthropicEvent = { type: "message_stop" }

const TOOLS = [{
  name: "exec",
  inputSchema: {
    type: "object",
    properties: { command: { type: "string" }, timeout: { type: "integer" }, verbose: { type: "boolean" }, env: { type: "object" }, args: { type: "array" }, ratio: { type: ["number", "null"] } }
  }
}, { name: "search", inputSchema: { type: "object" } }]

const SHAPE: TurnShape = { model: "MiniMax-M2.5", repairMarkup: true, tools: TOOLS, toolCallId: (n) => `call_function_abcdefghij12_${n}` }

/** Reduces `pieces` as the deltas of one text block, each batch separately (as chunks would arrive). */
const runText = (pieces: ReadonlyArray<string>, shape: Partial<TurnShape> = {}, stopReason = "end_turn") => {
  let state = initialBlockState({ ...SHAPE, ...shape })
  const events: Array<TurnEvent> = []
  const batches: Array<Array<AnthropicEvent>> = [[messageStart, textStart()], ...pieces.map((p) => [textDelta(p)]), [blockStop(), messageDelta(stopReason), messageStop]]
  for (const batch of batches) {
    const step = reduceBlockEvents(state, batch)
    assert.isUndefined(step.fault)
    state = step.state
    events.push(...step.events)
  }
  return events
}

const blocksOf = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "block_stop" ? [e.block] : [])
const stopOf = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "turn_stop" ? [e.stopReason] : [])
const textOf = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "text_delta" ? [e.text] : []).join("")

/** Every block_start matched, indexes 0..n-1 in start order, block deltas on open blocks only. */
const assertNumbered = (events: ReadonlyArray<TurnEvent>) => {
  const starts = events.flatMap((e) => e.type === "block_start" ? [e.index] : [])
  assert.deepStrictEqual(starts, starts.map((_, i) => i))
  const open = new Set<number>()
  for (const e of events) {
    if (e.type === "block_start") open.add(e.index)
    else if (e.type === "block_stop") assert.isTrue(open.delete(e.index))
    else if ("index" in e) assert.isTrue(open.has(e.index), JSON.stringify(e))
  }
  assert.strictEqual(open.size, 0)
}

const CALL = `<minimax:tool_call>\n<invoke name="exec">\n<parameter name="command">ls -la</parameter>\n<parameter name="timeout">30</parameter>\n</invoke>\n</minimax:tool_call>`
const FULL = `Let me look.\n${CALL}\n\nDone `

describe("tool calls written as text", () => {
  it("become tool_use blocks between the text before and after, whatever two deltas the text is cut into", () => {
    const expected: ReadonlyArray<ContentBlock> = [
      { type: "text", text: "Let me look.\n" },
      { type: "tool_use", id: "call_function_abcdefghij12_1", name: "exec", input: { command: "ls -la", timeout: 30 } },
      { type: "text", text: "\n\nDone " }
    ]
    for (let cut = 0; cut <= FULL.length; cut++) {
      const events = runText([FULL.slice(0, cut), FULL.slice(cut)])
      assert.deepStrictEqual(blocksOf(events), expected, `cut at ${cut}`)
      assert.deepStrictEqual(stopOf(events), ["tool_use"])
      assertNumbered(events)
    }
  })

  it("and in one-character deltas, relaying text as it comes, holding back only a possible tag", () => {
    const events = runText([...FULL])
    assert.deepStrictEqual(blocksOf(events).map((b) => b.type), ["text", "tool_use", "text"])
    const firstDeltas = events.filter((e) => e.type === "text_delta" && e.index === 0).map((e) => (e as { text: string }).text)
    assert.strictEqual(firstDeltas[0], "L", "text before the XML is relayed at once")
  })

  it("several invokes in one call; parameters a tool's schema does not type stay strings", () => {
    const xml = `<minimax:tool_call><invoke name="exec"><parameter name="verbose">true</parameter><parameter name="env">{"A": 1}</parameter>` +
      `<parameter name="args">["-l", 2]</parameter><parameter name="ratio">0.5</parameter><parameter name="timeout">soon</parameter></invoke>` +
      `<invoke name='search'><parameter name="limit">10</parameter></invoke></minimax:tool_call>`
    const blocks = blocksOf(runText([xml]))
    assert.deepStrictEqual(blocks, [
      { type: "tool_use", id: "call_function_abcdefghij12_1", name: "exec", input: { verbose: true, env: { A: 1 }, args: ["-l", 2], ratio: 0.5, timeout: "soon" } },
      { type: "tool_use", id: "call_function_abcdefghij12_2", name: "search", input: { limit: "10" } }
    ])
  })

  it("XML that never closes, or does not parse, is relayed as the text it was", () => {
    const unclosed = `before ${CALL.slice(0, 60)}`
    assert.deepStrictEqual(blocksOf(runText([unclosed.slice(0, 20), unclosed.slice(20)])), [{ type: "text", text: unclosed }])
    const malformed = `a <minimax:tool_call><invoke>no name</invoke></minimax:tool_call> b`
    assert.deepStrictEqual(blocksOf(runText([malformed])), [{ type: "text", text: malformed }])
    assert.deepStrictEqual(stopOf(runText([malformed])), ["end_turn"])
    assert.deepStrictEqual(textOf(runText([malformed])), malformed)
  })

  it("a stop sequence inside the XML does not apply; one in the text does", () => {
    const events = runText([FULL], { stopSequences: ["ls -la"] })
    assert.deepStrictEqual(stopOf(events), ["tool_use"])
    const stopped = runText([FULL], { stopSequences: ["Done"] })
    assert.deepStrictEqual(stopOf(stopped), ["stop_sequence"])
    assert.deepStrictEqual(blocksOf(stopped).at(-1), { type: "text", text: "\n\n" })
  })

  it("is off with repair_markup false: the text stays text", () => {
    assert.deepStrictEqual(blocksOf(runText([FULL], { repairMarkup: false })), [{ type: "text", text: FULL }])
  })

  it("parseInvokes reads MiniMax's form and refuses anything else", () => {
    assert.deepStrictEqual(parseInvokes(`\n  <invoke name="a">\n <parameter name="p">x y</parameter>\n</invoke>\n`), [{ name: "a", parameters: [["p", "x y"]] }])
    for (const bad of ["", "text", `<invoke name="a">`, `<invoke name="a"><parameter name="p">x</invoke>`, `<invoke name="a">stray</invoke>`]) {
      assert.isUndefined(parseInvokes(bad), bad)
    }
  })
})

describe("a leading <think>", () => {
  const THINK = `<think>The user wants a greeting.</think>\n\nHello!`
  it("becomes a thinking block with an empty signature, then the text, whatever the cut", () => {
    for (let cut = 0; cut <= THINK.length; cut++) {
      const events = runText([THINK.slice(0, cut), THINK.slice(cut)])
      assert.deepStrictEqual(blocksOf(events), [
        { type: "thinking", thinking: "The user wants a greeting.", signature: "" },
        { type: "text", text: "\n\nHello!" }
      ], `cut at ${cut}`)
      assertNumbered(events)
    }
  })

  it("only at the start of the turn's first text block; an unclosed one stays text", () => {
    assert.deepStrictEqual(blocksOf(runText([`Hi <think>x</think>`])), [{ type: "text", text: "Hi <think>x</think>" }])
    assert.deepStrictEqual(blocksOf(runText([`<think>never closed`])), [{ type: "text", text: "<think>never closed" }])
  })
})

describe("the end of the stream", () => {
  const upTo = (events: ReadonlyArray<AnthropicEvent>, shape: Partial<TurnShape> = {}) => {
    const step = reduceBlockEvents(initialBlockState({ ...SHAPE, ...shape }), events)
    const end = endOfStream(step.state)
    return { events: [...step.events, ...end.events], fault: end.fault }
  }

  it("after message_delta with every block closed, the turn completes without message_stop", () => {
    const { events, fault } = upTo([messageStart, textStart(), textDelta("hi"), blockStop(), messageDelta()])
    assert.isUndefined(fault)
    assert.deepStrictEqual(stopOf(events), ["end_turn"])
    assert.deepStrictEqual(blocksOf(events), [{ type: "text", text: "hi" }])
  })

  it("before message_delta, or with a block open, it is a stream cut short", () => {
    assert.strictEqual(upTo([messageStart, textStart(), textDelta("hi"), blockStop()]).fault?._tag, "Truncated")
    assert.strictEqual(upTo([messageStart, textStart(), textDelta("hi"), messageDelta()]).fault?._tag, "Truncated")
  })
})

describe("empty turns", () => {
  it("turn_start waits for the first block and goes out with it", () => {
    const first = reduceBlockEvents(initialBlockState(SHAPE), [messageStart, { type: "ping" }])
    assert.deepStrictEqual(first.events, [])
    const second = reduceBlockEvents(first.state, [textStart(), textDelta("x")])
    assert.deepStrictEqual(second.events.map((e) => e.type), ["turn_start", "block_start", "text_delta"])
  })

  it("with a retry allowed, a turn without blocks is a fault to try again; otherwise it ends empty", () => {
    const empty: Array<AnthropicEvent> = [messageStart, { type: "ping" }, messageStop]
    const retried = reduceBlockEvents(initialBlockState({ ...SHAPE, emptyIsFault: true }), empty)
    assert.deepStrictEqual([retried.fault, retried.events], [{ _tag: "Empty" }, []])
    const ended = reduceBlockEvents(initialBlockState({ ...SHAPE, emptyIsFault: false }), empty)
    assert.deepStrictEqual(ended.events.map((e) => e.type), ["turn_start", "turn_stop"])
    const withText = reduceBlockEvents(initialBlockState({ ...SHAPE, emptyIsFault: true }), [messageStart, textStart(), textDelta("x"), blockStop(), messageStop])
    assert.isUndefined(withText.fault)
  })
})
