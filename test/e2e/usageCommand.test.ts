/**
 * `--usage` against a ledger the spawned plugin wrote: the JSON totals equal the rows, the human
 * report shows them, and a bad --since is a usage error.
 */
import { dirname, join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { existsSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeMinimax, makePlexumHome, PAY_KEY, PLUGIN_MAIN, pluginEnv, runCommand, spawnPlugin, userTurn } from "../support/plugin.ts"

describe("--usage", () => {
  it.live("--usage --json totals equal the ledger's rows; the human report lists them by model; --since nonsense is exit 2", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { configPath, home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      for (let i = 0; i < 6; i++) yield* host.turnCollect(`t${i}`, userTurn("hi", i % 2 === 0 ? "MiniMax-M2.7" : "MiniMax-M3"))
      yield* host.shutdown
      // The rows a batch still held are written as the process stops.
      yield* host.exited
      const ledger = join(dirname(configPath), "usage.sqlite")
      assert.isTrue(existsSync(ledger))
      const db = new DatabaseSync(ledger, { readOnly: true })
      const rows = db.prepare("SELECT * FROM turns").all() as Array<{ input_tokens: number; output_tokens: number; cost_usd: number }>
      db.close()
      assert.strictEqual(rows.length, 6)
      const run = (args: ReadonlyArray<string>) => runCommand(process.execPath, [PLUGIN_MAIN, "--usage", ...args], { env: pluginEnv(home) })
      const json = JSON.parse((yield* run(["--json", "--by", "model"])).stdout)
      assert.strictEqual(json.total.turns, rows.length)
      assert.strictEqual(json.total.inputTokens, rows.reduce((sum, r) => sum + r.input_tokens, 0))
      assert.strictEqual(json.total.outputTokens, rows.reduce((sum, r) => sum + r.output_tokens, 0))
      assert.approximately(json.total.spentUsd, rows.reduce((sum, r) => sum + r.cost_usd, 0), 1e-9)
      assert.deepStrictEqual(json.groups.map((g: { group: string; turns: number }) => [g.group, g.turns]), [["MiniMax-M2.7", 3], ["MiniMax-M3", 3]])
      const human = yield* run(["--by", "model"])
      assert.match(human.stdout, /^MiniMax-M2\.7 +3 +0 /m)
      assert.match(human.stdout, /^total +6 /m)
      const bad = yield* run(["--since", "yesterday"])
      assert.strictEqual(bad.code, 2)
      assert.include(bad.stderr, "use 24h, 7d, 30d or a date")
    }).pipe(Effect.scoped), 60_000)
})
