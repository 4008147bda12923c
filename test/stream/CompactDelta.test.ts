/**
 * The compact-delta reader is a shortcut past `JSON.parse`, so `JSON.parse` is its reference:
 * whatever it reads must be exactly what `JSON.parse` gives, and what it declines goes the
 * general way with the same result.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { decodeAnthropicEvent } from "../../src/stream/AnthropicEvent.ts"
import { readCompactDelta, readCompactFrames } from "../../src/stream/CompactDelta.ts"

/** Characters that matter to a JSON string: quotes, backslashes, controls, escapes, non-ASCII. */
const TEXT_PIECES = ["a", "Z", " ", "é", "你", "😀", "\"", "\\", "\n", "\t", "\u0000", "\u001f", "\u2028", "}", "\"}}", "\\u0041", "\\n"] as const
const EDITS = ["", "\"", "\\", " ", "}", "{", ",", "0", "-", "1", "x", "\n", "\"text\":\"", ",\"extra\":1"] as const

const compactDelta = (index: number, kind: "text" | "thinking", value: string) =>
  JSON.stringify({ type: "content_block_delta", index, delta: kind === "text" ? { type: "text_delta", text: value } : { type: "thinking_delta", thinking: value } })

const parsedOrUndefined = (data: string): unknown => {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}

const Index = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2_000_000 }))
const Kind = Schema.Literals(["text", "thinking"])
const Pieces = Schema.Array(Schema.Literals(TEXT_PIECES))

describe("readCompactDelta", () => {
  it.prop(
    "reads every compact text or thinking delta exactly as JSON.parse does",
    [Index, Kind, Pieces],
    ([index, kind, pieces]) => {
      const data = compactDelta(index, kind, pieces.join(""))
      const read = readCompactDelta(data)
      assert.isDefined(read)
      assert.deepStrictEqual(read, JSON.parse(data))
    },
    { arbitrary: { runs: 500 } }
  )

  it.prop(
    "after any edit, reads what JSON.parse reads or declines",
    [Index, Kind, Pieces, Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 200 })), Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 })), Schema.Literals(EDITS)],
    ([index, kind, pieces, at, removed, inserted]) => {
      const original = compactDelta(index, kind, pieces.join(""))
      const position = at % (original.length + 1)
      const data = original.slice(0, position) + inserted + original.slice(position + removed)
      const read = readCompactDelta(data)
      if (read !== undefined) assert.deepStrictEqual(read, parsedOrUndefined(data))
    },
    { arbitrary: { runs: 2000 } }
  )

  it("declines other spellings of the same event, which then decode the general way to the same value", () => {
    const spellings = [
      `{"index":3,"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}`,
      `{"type": "content_block_delta", "index": 3, "delta": {"type": "text_delta", "text": "hi"}}`,
      `{"type":"content_block_delta","index":3,"delta":{"text":"hi","type":"text_delta"}}`
    ]
    for (const data of spellings) {
      assert.isUndefined(readCompactDelta(data))
      assert.deepStrictEqual(decodeAnthropicEvent({ event: "content_block_delta", data }), {
        _tag: "Event",
        event: { type: "content_block_delta", index: 3, delta: { type: "text_delta", text: "hi" } }
      })
    }
  })

  it("declines what is not valid JSON: a leading zero, an unterminated or unescaped string", () => {
    for (const data of [
      `{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"hi"}}`,
      `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi\\"}}`,
      `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"a"b"}}`,
      `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"a\u0001"}}`
    ]) {
      assert.isUndefined(readCompactDelta(data), data)
      assert.strictEqual(decodeAnthropicEvent({ event: "content_block_delta", data })._tag, "Invalid", data)
    }
  })

  it("reads an 8 Mi-character delta in linear time, with no recursion in proportion to it", () => {
    for (const value of ["x".repeat(8 * 1024 * 1024), "\\n".repeat(4 * 1024 * 1024)]) {
      const data = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${value}"}}`
      assert.deepStrictEqual(readCompactDelta(data), JSON.parse(data))
    }
  })
})

/** The SSE text of events whose data lines are `datas`, each with or without its event line. */
const framesOf = (datas: ReadonlyArray<string>, eventLines: boolean) =>
  datas.map((data) => `${eventLines ? "event: content_block_delta\n" : ""}data: ${data}\n\n`).join("")

describe("readCompactFrames", () => {
  it.prop(
    "after any edit of one event, reads what readCompactDelta reads of its data line, or declines",
    [Index, Kind, Pieces, Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 240 })), Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 })), Schema.Literals([...EDITS, "\r", "\n\n", "event: x\n", "data: "]), Schema.Boolean],
    ([index, kind, pieces, at, removed, inserted, eventLine]) => {
      const original = framesOf([compactDelta(index, kind, pieces.join(""))], eventLine)
      const position = at % (original.length + 1)
      const text = original.slice(0, position) + inserted + original.slice(position + removed)
      const frames = readCompactFrames(text, 0)
      if (frames === undefined) return
      // What was read is one whole event: an event line (or none), a data line, a blank line.
      const event = /^(?:event: content_block_delta\n)?data: ([^\n]*)\n\n/.exec(text)
      assert.isNotNull(event, JSON.stringify(text))
      assert.strictEqual(frames.end, event![0].length)
      assert.deepStrictEqual(frames.event, readCompactDelta(event![1]!))
    },
    { arbitrary: { runs: 2000 } }
  )

  it.prop(
    "joins consecutive events of one block and kind, stops where the block or kind changes",
    [Schema.Array(Schema.Tuple([Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 })), Kind, Pieces])), Schema.Boolean],
    ([events, eventLines]) => {
      const text = framesOf(events.map(([index, kind, pieces]) => compactDelta(index, kind, pieces.join(""))), eventLines)
      const frames = readCompactFrames(text, 0)
      if (events.length === 0) return assert.isUndefined(frames)
      const [index, kind] = events[0]!
      const run = events.findIndex(([i, k]) => i !== index || k !== kind)
      const taken = run < 0 ? events : events.slice(0, run)
      assert.deepStrictEqual(frames?.event, JSON.parse(compactDelta(index, kind, taken.map(([, , pieces]) => pieces.join("")).join(""))))
      assert.strictEqual(frames?.end, framesOf(taken.map(([i, k, pieces]) => compactDelta(i, k, pieces.join(""))), eventLines).length)
    },
    { arbitrary: { runs: 500 } }
  )

  it("reads an event with an 8 Mi-character delta, escaped or not, in linear time", () => {
    for (const value of ["x".repeat(8 * 1024 * 1024), "\\n".repeat(4 * 1024 * 1024)]) {
      const data = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${value}"}}`
      const text = framesOf([data], true)
      assert.deepStrictEqual(readCompactFrames(text, 0), { event: JSON.parse(data), end: text.length })
    }
  })

  it("declines an event cut short, CR line ends and a second data line, which the SSE parser reads", () => {
    const whole = framesOf([compactDelta(0, "text", "hi")], true)
    for (let cut = 0; cut < whole.length; cut++) assert.isUndefined(readCompactFrames(whole.slice(0, cut), 0), `cut at ${cut}`)
    assert.isUndefined(readCompactFrames(whole.replaceAll("\n", "\r\n"), 0))
    assert.isUndefined(readCompactFrames(whole.replace("\n\n", "\ndata: more\n\n"), 0))
    assert.deepStrictEqual(readCompactFrames(whole, 0), { event: JSON.parse(compactDelta(0, "text", "hi")), end: whole.length })
  })
})
