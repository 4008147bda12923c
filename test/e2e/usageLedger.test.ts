/**
 * The usage ledger (usage.sqlite beside config.json), the cost on turn_stop, and the daily
 * budget, through the spawned plugin and the fake MiniMax. Costs are worked out by hand from
 * minimax-upstream.md §8's table, not by the code under test.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { minimaxError, type Reply } from "../../fake/FakeMinimax.ts"
import { hex, messageEnd, messageStart, ping, textBlock } from "../../fake/transcripts.ts"
import { fakeMinimax, makePlexumHome, pluginEnv, spawnPlugin, userTurn } from "../support/plugin.ts"

const PLAN = "sk-cp-LEDGERplan0123456789abcdefXYZ1"
const PAYG = "sk-api-LEDGERpaid0123456789abcdefXYZ2"
const SECRET_PROMPT = "the-words-of-this-prompt-never-reach-the-ledger"

type Counts = { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number }
const reply = (model: string, usage: Counts): Reply => ({
  kind: "sse",
  frames: [messageStart(model, hex(`l:${model}:${usage.input_tokens}`, 32)), ping(), ...textBlock(0, ["the reply ", "text"]), ...messageEnd("end_turn", usage)]
})

const rowsOf = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 })
  try {
    return db.prepare("SELECT * FROM turns ORDER BY id").all() as Array<Record<string, unknown>>
  } finally {
    db.close()
  }
}

/** Waits until the ledger holds `count` rows (it writes in batches, off the turn's path). */
const rowsWhen = (path: string, count: number) =>
  Effect.suspend(() => {
    if (!existsSync(path)) return Effect.fail("no file yet")
    try {
      const rows = rowsOf(path)
      return rows.length >= count ? Effect.succeed(rows) : Effect.fail(`${rows.length} rows`)
    } catch (error) {
      return Effect.fail(String(error))
    }
  }).pipe(Effect.eventually, Effect.timeout(10_000))

describe("the usage ledger", () => {
  it.live("N turns on plan and pay-as-you-go keys, M2.7 and M3 (one above 512K), one failure: N rows whose tokens and costs match §8 by hand; no prompt text in the file", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { configPath, home } = makePlexumHome({ api_keys: [{ key: PAYG, label: "paid" }], base_url: fake.baseUrl })
      const planHome = makePlexumHome({ api_keys: [{ key: PLAN, label: "plan" }], base_url: fake.baseUrl })
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      fake.script(reply("MiniMax-M2.7", { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 2000, cache_creation_input_tokens: 400 }))
      const m27 = yield* host.turnCollect("m27", userTurn(SECRET_PROMPT))
      fake.script(reply("MiniMax-M3", { input_tokens: 600_000, output_tokens: 100 }))
      const big = yield* host.turnCollect("m3big", userTurn(SECRET_PROMPT, "MiniMax-M3"))
      fake.script(reply("MiniMax-M3", { input_tokens: 500_000, output_tokens: 10_000, cache_read_input_tokens: 12_000 }))
      yield* host.turnCollect("m3", userTurn(SECRET_PROMPT, "MiniMax-M3"))
      fake.script({ kind: "error", status: 400, body: minimaxError(400, "bad_request_error", "invalid params, context window exceeds limit (2013)") })
      yield* Effect.flip(host.turnCollect("failed", userTurn(SECRET_PROMPT)))
      // 1000 × 0.30 + 500 × 1.20 + 2000 × 0.06 + 400 × 0.375 = 1170 per million
      assert.strictEqual(m27.result.usage.costUsd, 0.00117)
      assert.deepInclude(m27.events.at(-1)!.event, { type: "turn_stop" })
      assert.strictEqual((m27.events.at(-1)!.event as { usage: { costUsd?: number } }).usage.costUsd, 0.00117)
      // 600,000 > 512,000: 600,000 × 0.60 + 100 × 2.40 = 360,240 per million
      assert.strictEqual(big.result.usage.costUsd, 0.36024)

      const plan = yield* spawnPlugin(pluginEnv(planHome.home))
      yield* plan.initialize()
      fake.script(reply("MiniMax-M2.7", { input_tokens: 1000, output_tokens: 500 }))
      const onPlan = yield* plan.turnCollect("plan", userTurn(SECRET_PROMPT))
      assert.isUndefined(onPlan.result.usage.costUsd, "a plan pays: no dollar cost")

      const rows = yield* rowsWhen(join(dirname(configPath), "usage.sqlite"), 4)
      assert.deepStrictEqual(rows.map((r) => [r.turn_id, r.model_asked, r.billing, r.ending, r.failed]), [
        ["m27", "MiniMax-M2.7", "payg", "end_turn", 0],
        ["m3big", "MiniMax-M3", "payg", "end_turn", 0],
        ["m3", "MiniMax-M3", "payg", "end_turn", 0],
        ["failed", "MiniMax-M2.7", "payg", "ContextTooLong", 1]
      ])
      assert.deepStrictEqual([rows[0]!.input_tokens, rows[0]!.output_tokens, rows[0]!.cache_read_tokens, rows[0]!.cache_write_tokens], [1000, 500, 2000, 400])
      assert.deepStrictEqual(rows.map((r) => r.cost_usd), [0.00117, 0.36024, 0.16272, null])
      // 500,000 × 0.30 + 10,000 × 1.20 + 12,000 × 0.06 = 162,720 per million
      assert.strictEqual(rows[2]!.payg_equivalent_usd, 0.16272)
      assert.strictEqual(rows[0]!.key_label, "paid")
      assert.strictEqual(rows[0]!.model_answered, "MiniMax-M2.7")
      assert.isString(rows[0]!.conversation)
      assert.strictEqual(statSync(join(dirname(configPath), "usage.sqlite")).mode & 0o777, 0o600)

      const planRows = yield* rowsWhen(join(dirname(planHome.configPath), "usage.sqlite"), 1)
      // 1000 × 0.30 + 500 × 1.20 = 900 per million, what the plan turn would cost pay-as-you-go
      assert.deepStrictEqual([planRows[0]!.billing, planRows[0]!.cost_usd, planRows[0]!.payg_equivalent_usd], ["plan", null, 0.0009])

      for (const file of [join(dirname(configPath), "usage.sqlite"), join(dirname(planHome.configPath), "usage.sqlite")]) {
        for (const each of [file, `${file}-wal`]) if (existsSync(each)) assert.notInclude(readFileSync(each, "latin1"), SECRET_PROMPT.slice(0, 20))
      }
    }).pipe(Effect.scoped), 60_000)

  it.live("two plugin processes, 200 turns each, one file: 400 rows", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { configPath, home } = makePlexumHome({ api_key: PAYG, base_url: fake.baseUrl })
      const hosts = [yield* spawnPlugin(pluginEnv(home)), yield* spawnPlugin(pluginEnv(home))]
      for (const host of hosts) yield* host.initialize()
      yield* Effect.forEach(hosts, (host, h) =>
        Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => host.turnCollect(`h${h}-${i}`, userTurn("hi")), { concurrency: 8 }), { concurrency: 2 })
      yield* Effect.forEach(hosts, (host) => host.shutdown)
      yield* Effect.forEach(hosts, (host) => host.exited)
      const stderr = (yield* Effect.forEach(hosts, (host) => host.stderr)).join("\n")
      assert.notInclude(stderr, "usage ledger is off", "two processes opening and writing one file take turns at its lock")
      const rows = yield* rowsWhen(join(dirname(configPath), "usage.sqlite"), 400)
      assert.strictEqual(rows.length, 400)
      assert.strictEqual(new Set(rows.map((r) => r.turn_id)).size, 400)
    }).pipe(Effect.scoped), 120_000)

  it.live("a ledger folder that cannot be written: every turn succeeds, with one warning", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      // chmod cannot stop root (CI runs as root): a "folder" that is a file stops anyone.
      const { configPath, home } = makePlexumHome({ api_key: PAYG, base_url: fake.baseUrl, ledger_path: "not-a-folder/usage.sqlite" })
      writeFileSync(join(dirname(configPath), "not-a-folder"), "")
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      for (let i = 0; i < 5; i++) {
        const turn = yield* host.turnCollect(`t${i}`, userTurn("hi"))
        assert.strictEqual(turn.result.stopReason, "end_turn")
      }
      yield* Effect.sleep(300)
      const warnings = (yield* host.stderr).split("\n").filter((line) => line.includes("usage ledger is off"))
      assert.strictEqual(warnings.length, 1)
      if (process.getuid?.() !== 0) {
        // And a folder without write permission, where chmod holds.
        const locked = join(dirname(configPath), "locked")
        mkdirSync(locked)
        chmodSync(locked, 0o500)
        const other = makePlexumHome({ api_key: PAYG, base_url: fake.baseUrl, ledger_path: locked + "/usage.sqlite" })
        const second = yield* spawnPlugin(pluginEnv(other.home))
        yield* second.initialize()
        yield* second.turnCollect("x", userTurn("hi"))
        chmodSync(locked, 0o700)
      }
    }).pipe(Effect.scoped), 30_000)
})

describe("the daily budget", () => {
  it.live("once today's pay-as-you-go spend reaches daily_budget_usd: paid turns refused with BudgetExceeded and 0 requests, plan turns served, and the spend survives a restart", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      // Each paid turn costs 1,000,000 × 0.30 = 0.30 USD; the budget is 0.50.
      const costly = () => reply("MiniMax-M2.7", { input_tokens: 1_000_000, output_tokens: 0 })
      const { configPath, home } = makePlexumHome({ api_keys: [{ key: PAYG, models: ["MiniMax-M2.7"] }, { key: PLAN, models: ["MiniMax-M3"] }], base_url: fake.baseUrl, daily_budget_usd: 0.5 })
      const messagesSent = () => fake.requests.filter((r) => r.path.endsWith("/v1/messages")).length
      const first = yield* spawnPlugin(pluginEnv(home))
      yield* first.initialize()
      fake.script(costly())
      yield* first.turnCollect("a", userTurn("hi"))
      fake.script(costly())
      yield* first.turnCollect("b", userTurn("hi"))
      const before = messagesSent()
      const refused = (yield* Effect.flip(first.turnCollect("c", userTurn("hi")))) as { data: { tag: string; retryable: boolean; retryAfterMs: number; message: string } }
      assert.deepStrictEqual([refused.data.tag, refused.data.retryable], ["BudgetExceeded", false])
      assert.include(refused.data.message, "0.6000 USD")
      assert.include(refused.data.message, "0.5 USD")
      const midnight = new Date()
      midnight.setHours(24, 0, 0, 0)
      assert.approximately(refused.data.retryAfterMs, midnight.getTime() - Date.now(), 5_000)
      assert.strictEqual(messagesSent(), before, "0 requests upstream")
      yield* first.turnCollect("d", userTurn("hi", "MiniMax-M3"))
      assert.strictEqual(messagesSent(), before + 1, "a plan turn still served")
      yield* first.shutdown
      yield* rowsWhen(join(dirname(configPath), "usage.sqlite"), 3)

      const second = yield* spawnPlugin(pluginEnv(home))
      yield* second.initialize()
      yield* Effect.sleep(300)
      const again = (yield* Effect.flip(second.turnCollect("e", userTurn("hi")))) as { data: { tag: string } }
      assert.strictEqual(again.data.tag, "BudgetExceeded", "the spend is the ledger's: it survives a restart")
      assert.strictEqual(messagesSent(), before + 1)
    }).pipe(Effect.scoped), 60_000)
})
