/**
 * The self-heal's warnings when MiniMax drifts back and forth (hardening round 3, item 8): at
 * most one warning per change of what is sent, each naming what was refused and what was
 * accepted, never the same value twice.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeMinimax, pluginAgainst, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const warningsIn = (stderr: string) => stderr.split("\n").filter((line) => /level=warn/i.test(line) && /refused/.test(line))

describe("self-heal warnings", () => {
  it.live("auth_header: bearer → x-api-key → bearer → x-api-key gives one accurate warning per switch, none naming one value twice", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ authField: "bearer" })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const turn = (id: string) => host.turnCollect(id, userTurn("hi"))
      yield* turn("a")
      fake.reconfigure({ authField: "x-api-key" })
      yield* turn("b")
      yield* turn("b2")
      fake.reconfigure({ authField: "bearer" })
      yield* turn("c")
      yield* turn("c2")
      fake.reconfigure({ authField: "x-api-key" })
      yield* turn("d")
      const warnings = warningsIn(yield* host.stderr)
      assert.strictEqual(warnings.length, 3, warnings.join("\n"))
      assert.include(warnings[0], `refused auth_header \\"bearer\\" and accepted \\"x-api-key\\"`)
      assert.include(warnings[1], `refused auth_header \\"x-api-key\\" and accepted \\"bearer\\" again, as config.json says`)
      assert.include(warnings[2], `refused auth_header \\"bearer\\" and accepted \\"x-api-key\\"`)
      for (const line of warnings) assert.notMatch(line, /refused auth_header \\"([^"\\]+)\\" and accepted \\"\1\\"/)
    }).pipe(Effect.scoped), 30_000)

  it.live("M3 thinking: adaptive → enabled → adaptive gives one accurate warning per switch", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ m3ThinkingOn: "adaptive" })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY)
      const turn = (id: string) => host.turnCollect(id, userTurn("hi", "MiniMax-M3"))
      yield* turn("a")
      fake.reconfigure({ m3ThinkingOn: "enabled" })
      yield* turn("b")
      yield* turn("b2")
      fake.reconfigure({ m3ThinkingOn: "adaptive" })
      yield* turn("c")
      yield* turn("c2")
      const warnings = warningsIn(yield* host.stderr)
      assert.strictEqual(warnings.length, 2, warnings.join("\n"))
      assert.include(warnings[0], `refused thinking \\"adaptive\\" for MiniMax-M3 and accepted \\"enabled\\"`)
      assert.include(warnings[1], `refused thinking \\"enabled\\" for MiniMax-M3 and accepted \\"adaptive\\"`)
    }).pipe(Effect.scoped), 30_000)
})
