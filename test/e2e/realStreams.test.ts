/**
 * Real MiniMax streams end to end (issue 14): the fake plays each stream §7 describes, the
 * spawned plugin repairs or tolerates it, and the events stay well formed.
 */
import type { ContentBlock, TurnRequest } from "@plexum/sdk"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { encodeSse, hex, messageStart, ping, sha256Hex, textBlock, thinkingBlock, tokenize } from "../../fake/transcripts.ts"
import { assertWellFormed, fakeMinimax, PAY_KEY, pluginAgainst, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const messageDelta = (stopReason: string) => ({ event: "message_delta", data: { type: "message_delta", delta: { stop_reason: stopReason }, usage: { input_tokens: 9, output_tokens: 9 } } })
const messageStop = { event: "message_stop", data: { type: "message_stop" } }

const XML_CALL = `<minimax:tool_call>\n<invoke name="exec">\n<parameter name="command">ls -la</parameter>\n<parameter name="timeout">30</parameter>\n</invoke>\n</minimax:tool_call>`

const M25_TOOLS = [{ name: "exec", inputSchema: { type: "object", properties: { command: { type: "string" }, timeout: { type: "integer" } } } }]

describe("streams that close early", () => {
  it.live("after message_delta, with no message_stop and no final blank line: a complete turn", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const frames = [messageStart("MiniMax-M2.7", hex("early", 32)), ping(), ...textBlock(0, ["\n\nAll ", "here."]), messageDelta("end_turn")]
      fake.script({ kind: "sse", raw: encodeSse(frames).replace(/\n\n$/, "\n") })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 0 })
      const { events, result } = yield* host.turnCollect("t", userTurn("hi"))
      assertWellFormed(events)
      assert.deepStrictEqual([result.stopReason, result.content], ["end_turn", [{ type: "text", text: "\n\nAll here." }]])
    }).pipe(Effect.scoped))

  it.live("message_stop without the blank line after it, as captured streams end", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const frames = [messageStart("MiniMax-M2.7", hex("capture", 32)), ...textBlock(0, ["ok"]), messageDelta("end_turn"), messageStop]
      fake.script({ kind: "sse", raw: encodeSse(frames).replace(/\n\n$/, "\n") })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 0 })
      const { result } = yield* host.turnCollect("t", userTurn("hi"))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "ok" }])
    }).pipe(Effect.scoped))
})

describe("tool calls written as text (M2.5)", () => {
  for (const chunkSize of [1, 7, 64, undefined]) {
    it.live(`become tool_use blocks in chunks of ${chunkSize ?? "one"} byte(s), and the conversation goes on`, () =>
      Effect.gen(function*() {
        const fake = yield* fakeMinimax()
        const text = `I will list the files.\n${XML_CALL}`
        const signature = sha256Hex("Listing files helps.")
        fake.script({
          kind: "sse",
          frames: [
            messageStart("MiniMax-M2.5", hex("xml", 32)),
            ...thinkingBlock(0, ["Listing files helps."], signature),
            ...textBlock(1, tokenize(text, 5)),
            messageDelta("end_turn"),
            messageStop
          ],
          ...(chunkSize === undefined ? {} : { chunkSize })
        })
        const host = yield* pluginAgainst(fake, PAY_KEY)
        const first: TurnRequest = { model: "MiniMax-M2.5", tools: M25_TOOLS, messages: [{ role: "user", content: "list the files" }] }
        const turn1 = yield* host.turnCollect("t1", first)
        assertWellFormed(turn1.events)
        assert.strictEqual(turn1.result.stopReason, "tool_use")
        const [thinking, before, call] = turn1.result.content as [ContentBlock, ContentBlock, Extract<ContentBlock, { type: "tool_use" }>]
        assert.deepStrictEqual([thinking.type, before], ["thinking", { type: "text", text: "I will list the files.\n" }])
        assert.match(call.id, /^call_function_[a-z0-9]{12}_1$/)
        assert.deepStrictEqual([call.name, call.input], ["exec", { command: "ls -la", timeout: 30 }])
        assert.strictEqual(turn1.result.content.length, 3)

        const turn2 = yield* host.turnCollect("t2", {
          ...first,
          messages: [
            ...first.messages,
            { role: "assistant", content: turn1.result.content },
            { role: "user", content: [{ type: "tool_result", toolUseId: call.id, content: "a.txt b.txt" }] }
          ]
        })
        assertWellFormed(turn2.events)
        const sent = fake.requests[1]!.body.messages
        assert.deepStrictEqual(sent[1].content[2], { type: "tool_use", id: call.id, name: "exec", input: { command: "ls -la", timeout: 30 } })
        assert.deepStrictEqual(sent[2].content[0], { type: "tool_result", tool_use_id: call.id, content: "a.txt b.txt" })
      }).pipe(Effect.scoped))
  }
})

describe("a leading <think> (M3)", () => {
  it.live("becomes a thinking block with an empty signature, followed by the text", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({
        kind: "sse",
        frames: [messageStart("MiniMax-M3", hex("think", 32)), ...textBlock(0, ["<thi", "nk>Greet them.</th", "ink>\n\nHello!"]), messageDelta("end_turn"), messageStop],
        chunkSize: 9
      })
      const host = yield* pluginAgainst(fake, PAY_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hi", "MiniMax-M3"))
      assertWellFormed(events)
      assert.deepStrictEqual(result.content, [{ type: "thinking", thinking: "Greet them.", signature: "" }, { type: "text", text: "\n\nHello!" }])
    }).pipe(Effect.scoped))
})

describe("empty turns", () => {
  it.live("an empty turn is tried once more before any event; the host sees one well-formed turn", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "sse", frames: [messageStart("MiniMax-M2.7", hex("empty", 32)), ping(), messageStop] })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const { events, result } = yield* host.turnCollect("t", userTurn("hi"))
      assertWellFormed(events)
      assert.strictEqual(fake.requests.length, 2)
      assert.strictEqual(events.filter((e) => e.event.type === "turn_start").length, 1)
      assert.isAbove(result.content.length, 0)
    }).pipe(Effect.scoped))

  it.live("empty twice: the turn ends as the empty turn it is; with max_retries 0 it is not retried", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const empty = { kind: "sse" as const, frames: [messageStart("MiniMax-M2.7", hex("empty", 32)), ping(), messageStop] }
      fake.script(empty, empty, empty)
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const twice = yield* host.turnCollect("t1", userTurn("hi"))
      assert.deepStrictEqual([twice.events.map((e) => e.event.type), twice.result.content, fake.requests.length], [["turn_start", "usage", "turn_stop"], [], 2])
      const noRetries = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 0 })
      const once = yield* noRetries.turnCollect("t2", userTurn("hi"))
      assert.deepStrictEqual([once.result.content, fake.requests.length], [[], 3])
    }).pipe(Effect.scoped))
})

describe("long silences", () => {
  it.live("pings count as activity: a stream silent for 2 s but for pings every 200 ms outlives a 700 ms watchdog", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({
        kind: "sse",
        frames: [messageStart("MiniMax-M2.7", hex("quiet", 32)), ...Array.from({ length: 10 }, () => ping()), ...textBlock(0, ["awake"]), messageDelta("end_turn"), messageStop],
        paceMs: 200
      })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { stream_idle_timeout_ms: 700, max_retries: 0 })
      const { result } = yield* host.turnCollect("t", userTurn("hi"))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "awake" }])
    }).pipe(Effect.scoped))
})

describe("signatures on the way in", () => {
  it.live("a thinking signature that does not sign its text is relayed unchanged, with a warning naming the message", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const wrong = sha256Hex("something else")
      const id = hex("altered", 32)
      fake.script({ kind: "sse", frames: [messageStart("MiniMax-M2.7", id), ...thinkingBlock(0, ["cut sho"], wrong), ...textBlock(1, ["x"]), messageDelta("end_turn"), messageStop] })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const { result } = yield* host.turnCollect("t", userTurn("hi"))
      assert.deepStrictEqual(result.content[0], { type: "thinking", thinking: "cut sho", signature: wrong })
      const stderr = yield* host.stderr
      assert.include(stderr, "is not the SHA-256 of its text")
      assert.include(stderr, id)
    }).pipe(Effect.scoped))
})
