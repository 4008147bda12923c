/**
 * A short chaos soak in CI (bench/soak.ts; `npm run soak` runs the full 1000 turns).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runSoak } from "../../bench/soak.ts"

describe("chaos soak", () => {
  it.live("150 turns at concurrency 16 with faults: every turn answered once, content right, no leaked sockets", () =>
    Effect.gen(function*() {
      const report = yield* runSoak({ turns: 150, concurrency: 16, faultRate: 0.3, seed: 7 })
      assert.strictEqual(report.lostOrDoubled, 0)
      assert.strictEqual(report.answeredOnce, 150)
      assert.strictEqual(report.wrongContent, 0)
      assert.strictEqual(report.succeeded + Object.values(report.failuresByTag).reduce((a, b) => a + b, 0), 150)
      assert.isAbove(Object.values(report.faultsInjected).reduce((a, b) => a + b, 0), 10)
      assert.isTrue(report.aliveAfter)
      assert.isAtMost(report.socketsWhileIdle, report.socketsBefore)
      assert.strictEqual(report.socketsAfter, 0)
    }), 120_000)
})
