/** Bounded reads of an HTTP body: an endless or huge body from a hostile upstream is never read past the cap. */
import { Effect, Stream } from "effect"
import type { HttpClientResponse } from "effect/http"

/** Reads at most `maxBytes` of a body as text; the rest of an endless body is never read. */
export const readCapped = (response: HttpClientResponse.HttpClientResponse, maxBytes: number) =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.takeUntil((chunk) => {
        chunks.push(chunk.subarray(0, maxBytes - size))
        size += chunk.length
        return size >= maxBytes
      }),
      Stream.runDrain,
      Effect.map(() => Buffer.concat(chunks).toString("utf8"))
    )
  })
