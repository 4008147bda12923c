/**
 * What a turn keeps while a block is open is its text, not the upstream chunks the text was cut
 * from: V8 keeps a slice of 13 or more characters as a view of its whole parent string.
 */
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ROOT, runCommand } from "../support/plugin.ts"

describe("retention", () => {
  it.live("an open text block fed 200 chunks of 32 KiB, one long delta each, holds its text and not the chunks", () =>
    Effect.gen(function*() {
      const result = yield* runCommand(process.execPath, ["--expose-gc", "--import", "tsx", join(ROOT, "test/stream/fixtures/heldChunks.ts")], { env: process.env })
      assert.strictEqual(result.code, 0, result.stderr)
      const grown = Number(result.stdout)
      // the chunks are 6.4 MB (one byte per character); the text is 200 × 41 characters
      assert.isBelow(grown, 1_000_000, `the heap grew by ${grown} bytes`)
    }), 60_000)
})
