/**
 * The SSE parser against effect's `Sse.makeParser` as the reference: any text built from SSE's
 * building blocks, cut into any chunks, gives the same events.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Sse } from "effect/encoding"
import { makeSseParser, type SseEvent } from "../../src/stream/SseDecoder.ts"

const PIECES = [
  "data:", "data: ", "data", "event:", "event: ", "id: 7", "retry: 10", ":", ": note", "x", " ", "é", "你", "😀",
  "{\"a\":1}", "\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "\uFEFF", "dat", "a:", "ev", "ent:"
] as const

const cut = (text: string, sizes: ReadonlyArray<number>): Array<string> => {
  const out: Array<string> = []
  for (let offset = 0, i = 0; offset < text.length; i++) {
    const size = sizes.length === 0 ? text.length : sizes[i % sizes.length]!
    out.push(text.slice(offset, offset + size))
    offset += size
  }
  return out
}

const ours = (chunks: ReadonlyArray<string>): Array<SseEvent> => {
  const parser = makeSseParser()
  return chunks.flatMap((chunk) => {
    const fed = parser.feed(chunk)
    if (fed._tag === "TooLarge") throw new Error("unexpected TooLarge")
    return [...fed.events]
  })
}

const effects = (chunks: ReadonlyArray<string>): Array<SseEvent> => {
  const events: Array<SseEvent> = []
  const parser = Sse.makeParser((event) => {
    if (event._tag === "Event") events.push({ event: event.event, data: event.data })
  })
  for (const chunk of chunks) parser.feed(chunk)
  return events
}

describe("SseDecoder", () => {
  it.prop(
    "gives the events effect's parser gives, for any text and any chunking",
    [Schema.Array(Schema.Literals(PIECES)), Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 9 })))],
    ([pieces, sizes]) => {
      const text = pieces.join("")
      assert.deepStrictEqual(ours(cut(text, sizes)), effects([text]))
    },
    { arbitrary: { runs: 500 } }
  )

  it("reads a named event, a default one, multi-line data and an empty data line", () => {
    assert.deepStrictEqual(ours(["event: a\ndata: 1\n\ndata:x\ndata: y\n\ndata:\n\n"]), [
      { event: "a", data: "1" },
      { event: "message", data: "x\ny" },
      { event: "message", data: "" }
    ])
  })

  it("joins a CR at the end of one chunk with an LF opening the next", () => {
    assert.deepStrictEqual(ours(["data: 1\r", "\ndata: 2\r", "\n\r", "\n"]), [{ event: "message", data: "1\n2" }])
  })

  it("reports an event that outgrows the limit, whether in data lines or in one unfinished line", () => {
    assert.strictEqual(makeSseParser(10).feed("data: 0123456789ab\n")._tag, "TooLarge")
    assert.strictEqual(makeSseParser(10).feed("data: 0123456789ab")._tag, "TooLarge")
    assert.strictEqual(makeSseParser(10).feed("data: 0123\n\n")._tag, "Events")
  })
})
