/**
 * The compact-delta reader is a shortcut past `JSON.parse`, so `JSON.parse` is its reference:
 * whatever it reads must be exactly what `JSON.parse` gives, and what it declines goes the
 * general way with the same result.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { decodeAnthropicEvent } from "../../src/stream/AnthropicEvent.ts"
import { readCompactDelta } from "../../src/stream/CompactDelta.ts"

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
