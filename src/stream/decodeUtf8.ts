/**
 * Response bytes → text, in pieces of at most 32 KiB of bytes. A socket read can hand over
 * 128 KiB or more at once, and V8 puts a string of more than 128 KiB (64 Ki characters when
 * the text is not Latin-1) in its large-object space, one mapping each: decoding the
 * benchmark turn's 128 KiB reads whole took 40 times as long per byte as 64 KiB ones, and a
 * quarter of the plugin's time. A UTF-8 sequence cut between pieces is carried over by the
 * streaming decoder, and what is left unfinished at the end becomes U+FFFD, as in effect's
 * `Stream.decodeText`.
 */
import { Stream } from "effect"

export const PIECE_BYTES = 32 * 1024

export const decodeUtf8 = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder()
    const streaming = { stream: true }
    const piecesOf = (chunk: Uint8Array): Array<string> => {
      if (chunk.byteLength <= PIECE_BYTES) return [decoder.decode(chunk, streaming)]
      const pieces: Array<string> = []
      for (let offset = 0; offset < chunk.byteLength; offset += PIECE_BYTES) {
        pieces.push(decoder.decode(chunk.subarray(offset, offset + PIECE_BYTES), streaming))
      }
      return pieces
    }
    const rest = Stream.suspend(() => {
      const last = decoder.decode()
      return last === "" ? Stream.empty : Stream.make(last)
    })
    return bytes.pipe(
      Stream.mapArray((chunks) => {
        const texts: Array<string> = []
        for (const chunk of chunks) for (const piece of piecesOf(chunk)) texts.push(piece)
        return texts as unknown as readonly [string, ...Array<string>]
      }),
      Stream.concat(rest)
    )
  })
