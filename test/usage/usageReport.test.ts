/**
 * `--usage`'s report on ledgers built to show each diagnostic, and on one that shows none.
 */
import { assert, describe, it } from "@effect/vitest"
import { sinceOf, type UsageRow, usageReport } from "../../src/usage/usageReport.ts"

const NOW = Date.parse("2026-12-06T12:00:00Z")
let turn = 0
const row = (fields: Partial<UsageRow> = {}): UsageRow => ({
  model_answered: fields.model_asked ?? "MiniMax-M2.7",
  started_at: NOW - 3_600_000 + turn,
  turn_id: `t${turn++}`,
  model_asked: "MiniMax-M2.7",
  key_label: "paid",
  billing: "payg",
  input_tokens: 1000,
  output_tokens: 100,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: 0.00042,
  payg_equivalent_usd: 0.00042,
  ttft_ms: 300,
  ending: "end_turn",
  failed: 0,
  failovers: 0,
  conversation: null,
  cache_control_sent: 0,
  ...fields
})

const kinds = (rows: ReadonlyArray<UsageRow>) => usageReport(rows, NOW - 86_400_000, "day").diagnostics.map((d) => d.kind)

describe("usageReport", () => {
  it("totals: turns, failures by tag, tokens, cache hit ratio, dollars, plan turns with their pay-as-you-go equivalent, time to first token", () => {
    const rows = [
      row({ input_tokens: 100, cache_read_tokens: 300, cost_usd: 0.5, ttft_ms: 100 }),
      row({ billing: "plan", cost_usd: null, payg_equivalent_usd: 0.25, ttft_ms: 200 }),
      row({ failed: 1, ending: "RateLimited", cost_usd: null, payg_equivalent_usd: null, ttft_ms: null }),
      row({ cost_usd: null, payg_equivalent_usd: null, model_asked: "MiniMax-M3.1-Flash-Preview", ttft_ms: 400 })
    ]
    const { total } = usageReport(rows, 0, "model")
    assert.strictEqual(total.turns, 4)
    assert.deepStrictEqual(total.failures, { RateLimited: 1 })
    assert.strictEqual(total.inputTokens, 100 + 1000 * 3)
    // 300 cache read of 3100 + 300 input
    assert.strictEqual(total.cacheHitRatio, Math.round((300 / 3400) * 1000) / 1000)
    assert.strictEqual(total.spentUsd, 0.5)
    assert.strictEqual(total.unpricedTurns, 1)
    assert.deepStrictEqual([total.planTurns, total.planPaygEquivalentUsd], [1, 0.25])
    assert.deepStrictEqual([total.ttftP50Ms, total.ttftP95Ms], [200, 400])
  })

  it("each diagnostic appears on the ledger built to show it, with its numbers", () => {
    const uncached = Array.from({ length: 20 }, () => row({ cache_read_tokens: 100 }))
    assert.include(kinds(uncached), "low-cache-hits")
    assert.include(usageReport(uncached, 0, "day").diagnostics[0]!.says, "20 M2.x turns")
    assert.deepStrictEqual(kinds([row({ model_asked: "MiniMax-M3", cache_control_sent: 1 })]), ["cache-control-on-m3"])
    const draining = [1000, 3000, 6000, 10_000, 15_000].map((read) => row({ conversation: "abcd", cache_read_tokens: read }))
    assert.deepStrictEqual(kinds(draining), ["growing-cache-reads"])
    assert.include(usageReport(draining, 0, "day").diagnostics[0]!.says, "1000 → 15000")
    assert.deepStrictEqual(kinds([row({ model_asked: "MiniMax-M2.7", model_answered: "MiniMax-M3.1-Flash-Preview" })]), ["another-model-answered"])
    assert.deepStrictEqual(kinds([row({ failovers: 1, key_label: "paid" })]), ["failovers"])
  })

  it("none of them on a ledger that does not show them", () => {
    const calm = [
      ...Array.from({ length: 19 }, () => row()),
      ...Array.from({ length: 30 }, () => row({ cache_control_sent: 1 })),
      row({ model_asked: "MiniMax-M3" }),
      ...[1000, 3000, 2000, 10_000, 15_000].map((read) => row({ conversation: "abcd", cache_read_tokens: read }))
    ]
    assert.deepStrictEqual(kinds(calm), [])
  })

  it("--since takes 24h, 7d, 30d or a date, and says what it takes otherwise", () => {
    assert.strictEqual(sinceOf("24h", NOW), NOW - 86_400_000)
    assert.strictEqual(sinceOf("7d", NOW), NOW - 7 * 86_400_000)
    assert.strictEqual(sinceOf("2026-12-01", NOW), new Date("2026-12-01T00:00:00").getTime())
    assert.include(String(sinceOf("yesterday", NOW)), "use 24h, 7d, 30d or a date")
  })
})
