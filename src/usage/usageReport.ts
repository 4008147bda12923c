/**
 * `--usage`: what the ledger says of a period, by day, model or key, and the diagnostics that
 * explain a draining plan, each shown only when the rows show it, with its numbers. Pure: rows
 * in, report out.
 */
import { localTime } from "../localTime.ts"

/** A ledger row as `--usage` reads it (snake_case, as stored). */
export interface UsageRow {
  readonly started_at: number
  readonly turn_id: string
  readonly model_asked: string
  readonly model_answered: string | null
  readonly key_label: string | null
  readonly billing: string | null
  readonly input_tokens: number
  readonly output_tokens: number
  readonly cache_read_tokens: number
  readonly cache_write_tokens: number
  readonly cost_usd: number | null
  readonly payg_equivalent_usd: number | null
  readonly ttft_ms: number | null
  readonly ending: string
  readonly failed: number
  readonly failovers: number
  readonly conversation: string | null
  readonly cache_control_sent: number
}

export type GroupBy = "day" | "model" | "key"

export interface UsageGroup {
  readonly group: string
  readonly turns: number
  readonly failures: Readonly<Record<string, number>>
  readonly inputTokens: number
  readonly outputTokens: number
  readonly cacheReadTokens: number
  readonly cacheWriteTokens: number
  /** Cache read ÷ all input (input + cache read + cache write), or null with no input. */
  readonly cacheHitRatio: number | null
  /** Dollars spent pay-as-you-go (turns of unknown price count nothing and are counted apart). */
  readonly spentUsd: number
  readonly unpricedTurns: number
  readonly planTurns: number
  /** What the plan turns would have cost pay-as-you-go. */
  readonly planPaygEquivalentUsd: number
  readonly ttftP50Ms: number | null
  readonly ttftP95Ms: number | null
}

export interface Diagnostic {
  readonly kind: "low-cache-hits" | "cache-control-on-m3" | "growing-cache-reads" | "another-model-answered" | "failovers"
  readonly says: string
}

export interface UsageReport {
  readonly since: number
  readonly by: GroupBy
  readonly groups: ReadonlyArray<UsageGroup>
  readonly total: UsageGroup
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

const percentile = (sorted: ReadonlyArray<number>, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

const day = (epochMs: number): string => localTime(epochMs).slice(0, 10)

const groupOf = (rows: ReadonlyArray<UsageRow>, group: string): UsageGroup => {
  const failures: Record<string, number> = {}
  let inputTokens = 0, outputTokens = 0, cacheReadTokens = 0, cacheWriteTokens = 0, spentUsd = 0, unpricedTurns = 0, planTurns = 0, planPaygEquivalentUsd = 0
  const ttfts: Array<number> = []
  for (const row of rows) {
    if (row.failed) failures[row.ending] = (failures[row.ending] ?? 0) + 1
    inputTokens += row.input_tokens
    outputTokens += row.output_tokens
    cacheReadTokens += row.cache_read_tokens
    cacheWriteTokens += row.cache_write_tokens
    if (row.billing === "plan") {
      planTurns++
      planPaygEquivalentUsd += row.payg_equivalent_usd ?? 0
    } else if (row.cost_usd !== null) spentUsd += row.cost_usd
    else if (row.payg_equivalent_usd === null && !row.failed) unpricedTurns++
    if (row.ttft_ms !== null) ttfts.push(row.ttft_ms)
  }
  ttfts.sort((a, b) => a - b)
  const allInput = inputTokens + cacheReadTokens + cacheWriteTokens
  return {
    group,
    turns: rows.length,
    failures,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    cacheHitRatio: allInput === 0 ? null : round(cacheReadTokens / allInput, 3),
    spentUsd: round(spentUsd, 8),
    unpricedTurns,
    planTurns,
    planPaygEquivalentUsd: round(planPaygEquivalentUsd, 8),
    ttftP50Ms: percentile(ttfts, 50),
    ttftP95Ms: percentile(ttfts, 95)
  }
}

const isM2 = (model: string) => model.startsWith("MiniMax-M2")
const isM3 = (model: string) => model.startsWith("MiniMax-M3")

/** A conversation whose cache reads grow turn after turn: the plan-drain pattern users report (MiniMax-M3 #25). */
const MIN_GROWING_TURNS = 5

const diagnosticsOf = (rows: ReadonlyArray<UsageRow>): Array<Diagnostic> => {
  const found: Array<Diagnostic> = []
  const uncachedM2 = rows.filter((row) => isM2(row.model_asked) && !row.cache_control_sent && !row.failed)
  if (uncachedM2.length >= 20) {
    const read = uncachedM2.reduce((sum, row) => sum + row.cache_read_tokens, 0)
    const all = uncachedM2.reduce((sum, row) => sum + row.input_tokens + row.cache_read_tokens + row.cache_write_tokens, 0)
    const ratio = all === 0 ? 0 : read / all
    if (ratio < 0.3) {
      found.push({
        kind: "low-cache-hits",
        says: `${uncachedM2.length} M2.x turns sent no cache_control and hit the cache for ${round(ratio * 100, 1)} % of their input: M2.x caches only at cache_control breakpoints; marking the system prompt and tools would cut input cost by up to 90 %`
      })
    }
  }
  const m3WithCacheControl = rows.filter((row) => isM3(row.model_asked) && row.cache_control_sent)
  if (m3WithCacheControl.length > 0) {
    found.push({ kind: "cache-control-on-m3", says: `${m3WithCacheControl.length} M3 turns sent cache_control, which M3 ignores (it caches prefixes on its own from about 512 input tokens)` })
  }
  const conversations = new Map<string, Array<UsageRow>>()
  for (const row of rows) if (row.conversation !== null && !row.failed) conversations.set(row.conversation, [...(conversations.get(row.conversation) ?? []), row])
  for (const [conversation, turns] of conversations) {
    if (turns.length < MIN_GROWING_TURNS) continue
    const reads = turns.map((row) => row.cache_read_tokens)
    const growing = reads.every((read, i) => i === 0 || read > reads[i - 1]!)
    if (growing && reads.at(-1)! >= 2 * Math.max(1, reads[0]!)) {
      found.push({
        kind: "growing-cache-reads",
        says: `conversation ${conversation}: cache reads grew every turn over ${turns.length} turns, ${reads[0]} → ${reads.at(-1)} tokens: each turn re-reads the whole history (the pattern that drains plans); compact or restart long conversations`
      })
    }
  }
  const answeredByAnother = rows.filter((row) => row.model_answered !== null && row.model_answered !== row.model_asked)
  if (answeredByAnother.length > 0) {
    const pairs = new Map<string, number>()
    for (const row of answeredByAnother) pairs.set(`${row.model_asked} → ${row.model_answered}`, (pairs.get(`${row.model_asked} → ${row.model_answered}`) ?? 0) + 1)
    found.push({ kind: "another-model-answered", says: `another model answered ${answeredByAnother.length} turns: ${[...pairs].map(([pair, n]) => `${pair} ×${n}`).join(", ")}` })
  }
  const failedOver = rows.filter((row) => row.failovers > 0)
  if (failedOver.length > 0) {
    const servedBy = new Map<string, number>()
    for (const row of failedOver) servedBy.set(row.key_label ?? "(no key)", (servedBy.get(row.key_label ?? "(no key)") ?? 0) + 1)
    const failovers = failedOver.reduce((sum, row) => sum + row.failovers, 0)
    found.push({ kind: "failovers", says: `${failedOver.length} turns failed over (${failovers} failovers), then served by: ${[...servedBy].map(([key, n]) => `${key} ×${n}`).join(", ")}` })
  }
  return found
}

export const usageReport = (rows: ReadonlyArray<UsageRow>, since: number, by: GroupBy): UsageReport => {
  const keyOf = (row: UsageRow) => by === "day" ? day(row.started_at) : by === "model" ? row.model_asked : row.key_label ?? "(no key)"
  const grouped = new Map<string, Array<UsageRow>>()
  for (const row of rows) grouped.set(keyOf(row), [...(grouped.get(keyOf(row)) ?? []), row])
  return {
    since,
    by,
    groups: [...grouped].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([group, members]) => groupOf(members, group)),
    total: groupOf(rows, "total"),
    diagnostics: diagnosticsOf(rows)
  }
}

/** `--since 24h|7d|30d|<date>` as an instant, or why not. */
export const sinceOf = (value: string, nowMs: number): number | string => {
  const relative = /^(\d+)([hd])$/.exec(value)
  if (relative !== null) return nowMs - Number(relative[1]) * (relative[2] === "h" ? 3_600_000 : 86_400_000)
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : undefined
  return date === undefined || Number.isNaN(date.getTime()) ? `--since ${value}: use 24h, 7d, 30d or a date such as 2026-12-01` : date.getTime()
}

const usd = (value: number) => `$${value.toFixed(4)}`

export const formatUsageReport = (report: UsageReport, ledgerPath: string): string => {
  const lines: Array<string> = [`usage since ${localTime(report.since)}, by ${report.by} (${ledgerPath})`]
  const header = [report.by, "turns", "failed", "in", "out", "cache rd", "cache wr", "hit %", "spent", "plan turns (payg equiv.)", "ttft p50/p95"]
  const row = (group: UsageGroup) => [
    group.group,
    String(group.turns),
    Object.entries(group.failures).map(([tag, n]) => `${tag} ${n}`).join(", ") || "0",
    String(group.inputTokens),
    String(group.outputTokens),
    String(group.cacheReadTokens),
    String(group.cacheWriteTokens),
    group.cacheHitRatio === null ? "-" : (group.cacheHitRatio * 100).toFixed(1),
    `${usd(group.spentUsd)}${group.unpricedTurns > 0 ? ` (+${group.unpricedTurns} unpriced)` : ""}`,
    `${group.planTurns} (${usd(group.planPaygEquivalentUsd)})`,
    group.ttftP50Ms === null ? "-" : `${group.ttftP50Ms}/${group.ttftP95Ms} ms`
  ]
  const table = [header, ...report.groups.map(row), row(report.total)]
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)))
  for (const cells of table) lines.push(cells.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join("  "))
  if (report.diagnostics.length > 0) {
    lines.push("", "diagnostics")
    for (const diagnostic of report.diagnostics) lines.push(`  - ${diagnostic.says}`)
  }
  return lines.join("\n") + "\n"
}
