/**
 * The whole text → TurnEvent pipeline: any chunking of the same SSE bytes, with LF or CRLF
 * line ends, yields the same TurnEvents.
 */
import { assert, describe, it } from "@effect/vitest"
import type { TurnEvent } from "@plexum/sdk"
import { Effect, Exit, Schema, Stream } from "effect"
import {
  cutAt,
  encodeSse,
  messageEnd,
  messageStart,
  ping,
  textBlock,
  thinkingBlock,
  thinkingThenText,
  tokenize,
  toolUseBlock
} from "../../fake/transcripts.ts"
import type { StreamFault } from "../../src/stream/StreamFault.ts"
import { coalesceDeltas } from "../../src/stream/coalesceDeltas.ts"
import { turnEventsOfText } from "../../src/stream/responseEvents.ts"

/** With repairs on, the request offers tool `f`, the one the markup below calls. */
const OFFERED_TOOLS = [{ name: "f", inputSchema: { type: "object", properties: { a: { type: "integer" } } } }]

const pipeline = (chunks: ReadonlyArray<string>, stopSequences?: Array<string>, repairMarkup = false) =>
  turnEventsOfText(Stream.fromIterable(chunks), { model: "MiniMax-M2.7", stopSequences, repairMarkup, tools: repairMarkup ? OFFERED_TOOLS : undefined, idleTimeoutMs: 60_000 }, (fault: StreamFault) => Effect.succeed(fault)).pipe(
    Stream.runCollect
  )

const chunk = (text: string, sizes: ReadonlyArray<number>): Array<string> => {
  const out: Array<string> = []
  let offset = 0
  for (let i = 0; offset < text.length; i++) {
    const size = sizes.length === 0 ? text.length : sizes[i % sizes.length]!
    out.push(text.slice(offset, offset + size))
    offset += size
  }
  return out
}

const frames = [
  messageStart("MiniMax-M2.7", "0123456789abcdef0123456789abcdef"),
  ping(),
  ...thinkingBlock(0, tokenize("Think ✓ about \"it\""), "9f".repeat(32)),
  ...textBlock(1, tokenize("\n\nHello, world — 你好")),
  ...toolUseBlock(2, "call_function_x_1", "f", ["", ...cutAt(JSON.stringify({ a: [1, 2, { b: "c" }] }), [2, 5])]),
  ...messageEnd("tool_use", { input_tokens: 5, output_tokens: 9 })
]

describe("responseEvents", () => {
  it.effect.prop(
    "any chunking, LF or CRLF, gives the same TurnEvents",
    [Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 97 }))), Schema.Boolean],
    ([sizes, crlf]) =>
      Effect.gen(function*() {
        // Deltas of one read go out as one event, so the grouping follows the chunking; joined, they are the same.
        const reference = yield* pipeline([encodeSse(frames)])
        const chunked = yield* pipeline(chunk(encodeSse(frames, crlf ? "\r\n" : "\n"), sizes))
        assert.deepStrictEqual(coalesceDeltas(chunked), coalesceDeltas(reference))
        assert.strictEqual(reference.at(-1)?.type, "turn_stop")
      }),
    { arbitrary: { runs: 150 } }
  )

  it.effect.prop(
    "deltas joined while decoding a read relay what the deltas read one by one relay: stop sequences and markup repair included",
    [Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 400 }))), Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 7 }))],
    ([sizes, tokenSize]) =>
      Effect.gen(function*() {
        const text = "Plan: <think>why</think>call <minimax:tool_call><invoke name=\"f\"><parameter name=\"a\">1</parameter></invoke></minimax:tool_call> then STOP here"
        const withMarkup = encodeSse([
          messageStart("MiniMax-M2.7", "0123456789abcdef0123456789abcdef"),
          ...thinkingBlock(0, tokenize("Think ✓ about \"it\"", tokenSize), "9f".repeat(32)),
          ...textBlock(1, tokenize(text, tokenSize)),
          ...messageEnd("end_turn", { input_tokens: 5, output_tokens: 9 })
        ])
        for (const stops of [undefined, ["STOP"], ["ST", "<invoke name"]]) {
          const oneByOne = yield* pipeline(withMarkup.split(/(?<=\n\n)/), stops, true)
          const chunked = yield* pipeline(chunk(withMarkup, sizes), stops, true)
          assert.deepStrictEqual(coalesceDeltas(chunked), coalesceDeltas(oneByOne))
          const last = oneByOne.at(-1)
          if (stops?.[0] === "STOP") assert.deepInclude(last, { type: "turn_stop", stopReason: "stop_sequence", stopSequence: "STOP" })
          if (stops === undefined) assert.isTrue(oneByOne.some((e) => e.type === "block_start" && e.block.type === "tool_use"))
        }
      }),
    { arbitrary: { runs: 100 } }
  )

  it.effect("tolerates CR-only line ends, a BOM, comments, multi-line data, retry: and unknown events", () =>
    Effect.gen(function*() {
      const reference = yield* pipeline([encodeSse(frames)])
      const messy = "\uFEFFretry: 3000\n: a comment\n\nevent: mystery\ndata: {\"type\":\"mystery\",\n" +
        "data: \"x\":1}\n\n" + encodeSse(frames, "\r")
      const result = yield* pipeline(chunk(messy, [5, 13]))
      assert.deepStrictEqual(coalesceDeltas(result), coalesceDeltas(reference))
    }))

  it.effect("fails with a protocol fault on invalid JSON in data, after the events before it", () =>
    Effect.gen(function*() {
      const text = encodeSse(frames.slice(0, 3)) + "event: content_block_delta\ndata: {not json}\n\n"
      const error = yield* Effect.flip(pipeline([text]))
      assert.strictEqual(error._tag, "Malformed")
    }))

  it.effect("fails when the stream is cut mid-event", () =>
    Effect.gen(function*() {
      const text = encodeSse(frames)
      const error = yield* Effect.flip(pipeline([text.slice(0, Math.floor(text.length / 2))]))
      assert.include((error as { message: string }).message, "message_stop")
    }))

  it.effect("carries a 1 MiB single data line", () =>
    Effect.gen(function*() {
      const big = "x".repeat(1024 * 1024)
      const transcript = thinkingThenText({ model: "MiniMax-M2.7", thinking: "t", text: big, seed: "big", pieceSize: 1024 * 1024 + 2 })
      const events = yield* pipeline(chunk(encodeSse(transcript.frames), [65536]))
      const text = events.flatMap((e) => e.type === "block_stop" && e.block.type === "text" ? [e.block.text] : [])
      assert.deepStrictEqual(text, [`\n\n${big}`])
    }))

  it.effect("a reply that passes its bound in stream text ends with a TooLarge fault, after the events before it", () =>
    Effect.gen(function*() {
      const text = encodeSse(frames)
      const relay = (maxReplySize: number) => {
        const received: Array<TurnEvent> = []
        const options = { model: "MiniMax-M2.7", idleTimeoutMs: 60_000, maxReplySize }
        return turnEventsOfText(Stream.fromIterable(chunk(text, [50])), options, (fault: StreamFault) => Effect.succeed(fault)).pipe(
          Stream.runForEach((event) => Effect.sync(() => received.push(event))),
          Effect.exit,
          Effect.map((exit) => ({ exit, received }))
        )
      }
      const atBound = yield* relay(text.length)
      assert.isTrue(atBound.exit._tag === "Success")
      assert.strictEqual(atBound.received.at(-1)?.type, "turn_stop")
      const past = yield* relay(text.length - 1)
      assert.deepStrictEqual(past.exit, Exit.fail({ _tag: "TooLarge", what: "reply", limit: text.length - 1 }))
      assert.deepStrictEqual(past.received, atBound.received.slice(0, past.received.length))
      assert.isAbove(past.received.length, 0)
      assert.notStrictEqual(past.received.at(-1)?.type, "turn_stop")
    }))

  it.effect("deltas decoded from one read go out as one event; deltas arriving in separate reads are not joined", () =>
    Effect.gen(function*() {
      const text = encodeSse([
        messageStart("MiniMax-M2.7", "0123456789abcdef0123456789abcdef"),
        ...textBlock(0, ["Hel", "lo", ", wor", "ld"]),
        ...messageEnd("end_turn", { input_tokens: 1, output_tokens: 2 })
      ])
      const deltas = (events: ReadonlyArray<TurnEvent>) => events.flatMap((e) => e.type === "text_delta" ? [e.text] : [])
      assert.deepStrictEqual(deltas(yield* pipeline([text])), ["Hello, world"])
      const perFrame = text.split(/(?<=\n\n)/)
      assert.deepStrictEqual(deltas(yield* pipeline(perFrame)), ["Hel", "lo", ", wor", "ld"])
      const two = [perFrame.slice(0, 4).join(""), perFrame.slice(4).join("")]
      assert.deepStrictEqual(deltas(yield* pipeline(two)), ["Hello", ", world"])
    }))
})
