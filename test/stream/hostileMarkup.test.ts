/**
 * Markup repair against a hostile upstream (hardening round 3): linear in the text whatever
 * the markup, nothing held without bound, nothing invented, nothing lost.
 */
import type { ContentBlock, TurnEvent } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import type { AnthropicEvent } from "../../src/stream/AnthropicEvent.ts"
import { initialBlockState, reduceBlockEvents, type TurnShape } from "../../src/stream/BlockReducer.ts"

const messageStart: AnthropicEvent = { type: "message_start", message: { id: "m1", model: "MiniMax-M3" } }
const textStart: AnthropicEvent = { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }
const textDelta = (text: string): AnthropicEvent => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })
const ending = (stop_reason: string): Array<AnthropicEvent> => [
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason }, usage: { input_tokens: 1, output_tokens: 2 } },
  { type: "message_stop" }
]

const EXEC = { name: "exec", inputSchema: { type: "object", properties: { command: { type: "string" }, env: { type: "object" } } } }

/** Reduces `deltas` as one text block, one batch per delta, as separate reads would arrive. */
const run = (deltas: ReadonlyArray<string>, shape: Partial<TurnShape> = {}, stopReason = "end_turn") => {
  let state = initialBlockState({ model: "MiniMax-M3", repairMarkup: true, ...shape })
  const events: Array<TurnEvent> = []
  const firstVisible: { at?: number } = {}
  const batches: Array<ReadonlyArray<AnthropicEvent>> = [[messageStart, textStart], ...deltas.map((d) => [textDelta(d)]), ending(stopReason)]
  batches.forEach((batch, i) => {
    const step = reduceBlockEvents(state, batch)
    assert.isUndefined(step.fault)
    state = step.state
    if (firstVisible.at === undefined && step.events.some((e) => e.type === "text_delta" || e.type === "thinking_delta")) firstVisible.at = i
    events.push(...step.events)
  })
  return { events, firstVisibleBatch: firstVisible.at }
}

const blocksOf = (events: ReadonlyArray<TurnEvent>): Array<ContentBlock> => events.flatMap((e) => e.type === "block_stop" ? [e.block] : [])
const stopOf = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "turn_stop" ? [e.stopReason] : [])

const cut = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size))

/** CPU time (user + system, ms) of `work`. */
const cpuMs = (work: () => void): number => {
  const before = process.cpuUsage()
  work()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

describe("markup repair under a hostile upstream", () => {
  it("<think> then 300,000 characters in 4-character deltas costs about what plain text does (no quadratic scan)", () => {
    const body = "x".repeat(299_990) + "\r\n"
    const plain = cut(body, 4)
    const marked = cut(`<think>${body}`, 4)
    const toolCall = cut(`<minimax:tool_call>${body}`, 4)
    run(plain) // warm-up
    const baseline = Math.max(cpuMs(() => run(plain)), 5)
    const think = cpuMs(() => run(marked))
    const call = cpuMs(() => run(toolCall))
    assert.isBelow(think / baseline, 6, `think ${think} ms against plain ${baseline} ms`)
    assert.isBelow(call / baseline, 6, `tool call ${call} ms against plain ${baseline} ms`)
    // Never closed: relayed as the text it was.
    assert.deepStrictEqual(blocksOf(run(marked).events), [{ type: "text", text: `<think>${body}` }])
  })

  it("a first text block of 4,000,000 newlines is relayed as it comes, in linear time, not held whole", () => {
    const newlines = cut("\n".repeat(4_000_000), 4096)
    const plain = cut("y".repeat(4_000_000), 4096)
    run(plain)
    const baseline = Math.max(cpuMs(() => run(plain)), 5)
    let result: ReturnType<typeof run> | undefined
    const used = cpuMs(() => (result = run(newlines)))
    assert.isBelow(used / baseline, 6, `newlines ${used} ms against plain ${baseline} ms`)
    assert.isBelow(result!.firstVisibleBatch!, 3, "text reaches the host before the block ends")
    assert.deepStrictEqual(blocksOf(result!.events), [{ type: "text", text: "\n".repeat(4_000_000) }])
  })

  it("a parameter named __proto__ in a recovered tool call is kept as an own property, never as the input's prototype", () => {
    const xml = `<minimax:tool_call><invoke name="exec"><parameter name="__proto__">{"polluted": true}</parameter>` +
      `<parameter name="command">ls</parameter></invoke></minimax:tool_call>`
    const [block] = blocksOf(run([xml], { tools: [{ ...EXEC, inputSchema: { type: "object", properties: { __proto__: { type: "object" } } } }] }).events)
    assert.strictEqual(block?.type, "tool_use")
    const input = (block as Extract<ContentBlock, { type: "tool_use" }>).input as Record<string, unknown>
    assert.strictEqual(Object.getPrototypeOf(input), Object.prototype)
    assert.isTrue(Object.hasOwn(input, "__proto__"))
    assert.deepStrictEqual(Object.keys(input), ["__proto__", "command"])
    assert.strictEqual(JSON.stringify(input), `{"__proto__":"{\\"polluted\\": true}","command":"ls"}`)
    assert.isUndefined((input as { polluted?: unknown }).polluted)
  })

  it("\"\\n\\n<think>…\" cut by max_tokens before </think> is relayed exactly, its leading \"\\n\\n\" included", () => {
    const text = "\n\n<think>I was about to"
    for (let at = 0; at <= text.length; at++) {
      const { events } = run([text.slice(0, at), text.slice(at)], {}, "max_tokens")
      assert.deepStrictEqual(blocksOf(events), [{ type: "text", text }], `cut at ${at}`)
      assert.deepStrictEqual(stopOf(events), ["max_tokens"])
    }
  })

  it("in a turn that declared no tools, a reply quoting the XML tool-call format stays text, exactly", () => {
    const text = "Here is the format MiniMax uses:\n<minimax:tool_call>\n<invoke name=\"exec\">\n<parameter name=\"command\">ls</parameter>\n</invoke>\n</minimax:tool_call>\nThat is all."
    const { events } = run(cut(text, 7))
    assert.deepStrictEqual(blocksOf(events), [{ type: "text", text }])
    assert.deepStrictEqual(stopOf(events), ["end_turn"])
  })

  it("a call to a tool the request did not declare stays text; a declared one is recovered", () => {
    const undeclared = `<minimax:tool_call><invoke name="rm"><parameter name="path">/</parameter></invoke></minimax:tool_call>`
    assert.deepStrictEqual(blocksOf(run([undeclared], { tools: [EXEC] }).events), [{ type: "text", text: undeclared }])
    const declared = `<minimax:tool_call><invoke name="exec"><parameter name="command">ls</parameter></invoke></minimax:tool_call>`
    assert.deepStrictEqual(blocksOf(run([declared], { tools: [EXEC] }).events).map((b) => b.type), ["tool_use"])
  })

  it("<mm:think> is reasoning as <think> is, whatever two deltas it is cut into", () => {
    const text = "\n\n<mm:think>step one</mm:think>\n\nAnswer"
    for (let at = 0; at <= text.length; at++) {
      const blocks = blocksOf(run([text.slice(0, at), text.slice(at)]).events)
      assert.deepStrictEqual(blocks, [{ type: "thinking", thinking: "step one", signature: "" }, { type: "text", text: "\n\nAnswer" }], `cut at ${at}`)
    }
  })
})
