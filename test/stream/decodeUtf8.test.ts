/**
 * Bytes → text in pieces: the pieces joined must be exactly what one decode of all the bytes
 * gives, wherever the reads and the 32 KiB pieces cut a UTF-8 sequence; none is longer than
 * 32 Ki characters; a sequence left unfinished at the end is U+FFFD, as `TextDecoder` says.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { decodeUtf8, PIECE_BYTES } from "../../src/stream/decodeUtf8.ts"

const decodeReads = (reads: ReadonlyArray<Uint8Array>) => Stream.runCollect(decodeUtf8(Stream.fromIterable(reads)))

/** `bytes` cut at `cuts` (ascending offsets). */
const cutAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> =>
  [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length))

describe("decodeUtf8", () => {
  const text = "ab€😀你".repeat(20_000)
  const bytes = new TextEncoder().encode(text)

  it.effect("a read larger than a piece: the pieces join to the text, each at most PIECE_BYTES long", () =>
    Effect.gen(function*() {
      const pieces = yield* decodeReads([bytes])
      assert.strictEqual(pieces.join(""), text)
      assert.isAbove(pieces.length, bytes.length / PIECE_BYTES)
      for (const piece of pieces) assert.isAtMost(piece.length, PIECE_BYTES)
    }))

  it.effect("reads cut inside multi-byte sequences, at every offset of a 4-byte character", () =>
    Effect.gen(function*() {
      const emoji = new TextEncoder().encode("x😀y")
      for (let cut = 1; cut < emoji.length; cut++) {
        assert.strictEqual((yield* decodeReads(cutAt(emoji, [cut]))).join(""), "x😀y", `cut at ${cut}`)
      }
      const cuts = [PIECE_BYTES + 1, 3 * PIECE_BYTES - 2, 3 * PIECE_BYTES - 1, bytes.length - 3]
      assert.strictEqual((yield* decodeReads(cutAt(bytes, cuts))).join(""), text)
    }))

  it.effect("a sequence unfinished at the end, or invalid bytes, become U+FFFD", () =>
    Effect.gen(function*() {
      const euro = new TextEncoder().encode("a€")
      assert.strictEqual((yield* decodeReads([euro.subarray(0, 3)])).join(""), "a\uFFFD")
      assert.strictEqual((yield* decodeReads([new Uint8Array([0x61, 0xff, 0x62])])).join(""), new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62])))
    }))
})
