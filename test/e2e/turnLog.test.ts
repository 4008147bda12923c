/**
 * Logs an operator can use (first-hour issue, item 7): one `info` line per finished turn, its
 * facts as logfmt keys (turn id, model asked and answered, tokens, duration, time to first
 * token, attempts, stop reason or failure tag), no fiber ids, and no key twice on a line.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { minimaxError } from "../../fake/FakeMinimax.ts"
import { fakeMinimax, pluginAgainst, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

/** A logfmt line's keys and values (values unquoted). */
const parseLogfmt = (line: string): Array<readonly [string, string]> =>
  [...line.matchAll(/(\w[\w.-]*)=("(?:[^"\\]|\\.)*"|\S+)/g)].map(([, key, value]) => [key!, value!.startsWith("\"") ? JSON.parse(value!) : value!] as const)

describe("the per-turn log line", () => {
  it.live("a finished turn and a failed one: one info line each, facts as keys, no fiber=, no duplicate keys", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.script({ kind: "error", status: 529, body: minimaxError(529, "overloaded_error", "server cluster is under high load (2064)") })
      const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, { max_retries: 1 })
      yield* host.turnCollect("ok-turn", userTurn("hi"))
      fake.script({ kind: "error", status: 401, body: minimaxError(401, "authorized_error", "login fail: invalid api key (1004)") })
      yield* Effect.flip(host.turnCollect("bad-turn", userTurn("hi")))
      yield* Effect.sleep(100)
      const lines = (yield* host.stderr).split("\n").filter((line) => line !== "")
      for (const line of lines) {
        assert.notInclude(line, "fiber=")
        const keys = parseLogfmt(line).map(([key]) => key)
        assert.deepStrictEqual(keys, [...new Set(keys)], line)
      }
      const finished = lines.filter((line) => line.includes(`message="turn finished"`)).map((line) => new Map(parseLogfmt(line)))
      assert.strictEqual(finished.length, 2, lines.join("\n"))
      const [ok, bad] = finished as [Map<string, string>, Map<string, string>]
      assert.strictEqual(ok.get("level"), "INFO")
      assert.strictEqual(ok.get("turn"), "ok-turn")
      assert.strictEqual(ok.get("model"), "MiniMax-M2.7")
      assert.strictEqual(ok.get("answered_by"), "MiniMax-M2.7")
      assert.strictEqual(ok.get("stop"), "end_turn")
      assert.strictEqual(ok.get("attempts"), "2", "the 529 was retried once")
      assert.isAbove(Number(ok.get("tokens_in")), 0)
      assert.isAbove(Number(ok.get("tokens_out")), 0)
      assert.isTrue(ok.has("cache_read") && ok.has("cache_write"))
      assert.isAtLeast(Number(ok.get("duration_ms")), Number(ok.get("ttft_ms")))
      assert.strictEqual(bad.get("turn"), "bad-turn")
      assert.strictEqual(bad.get("failure"), "AuthFailed")
      assert.isFalse(bad.has("stop"))
      const retry = lines.find((line) => line.includes("retrying"))!
      assert.include(retry, "failure=Overloaded")
      assert.include(retry, "turn=ok-turn")
    }).pipe(Effect.scoped), 30_000)
})
