/**
 * A key pasted with a character an HTTP header cannot carry (hardening round 3, item 11): every
 * such character, U+00A0 as much as U+200B, is named by its code point and position, never the key.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makePlexumHome, pluginEnv, spawnPlugin, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

describe("a key with a character a header cannot carry", () => {
  for (const [name, character] of [["U+00A0 (no-break space)", "\u00a0"], ["U+200B", "\u200b"], ["U+0020 (space)", " "]] as const) {
    it.live(`${name} inside the key: the turn fails with ConfigInvalid naming the code point and position, not the key`, () =>
      Effect.gen(function*() {
        const key = `${TOKEN_PLAN_KEY.slice(0, 12)}${character}${TOKEN_PLAN_KEY.slice(12)}`
        const { home } = makePlexumHome({ api_key: key })
        const host = yield* spawnPlugin(pluginEnv(home))
        yield* host.initialize()
        const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
        const data = (failure as { data?: { tag: string; message: string } }).data!
        assert.strictEqual(data.tag, "ConfigInvalid")
        const code = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`
        assert.include(data.message, `${code} at position 13`)
        for (let i = 0; i + 12 <= TOKEN_PLAN_KEY.length; i++) assert.notInclude(data.message + (yield* host.stderr), TOKEN_PLAN_KEY.slice(i, i + 12))
      }).pipe(Effect.scoped), 20_000)
  }
})
