/**
 * Token Plan quota, from `GET {api host}/v1/token_plan/remains` (minimax-upstream.md §6). Both
 * body formats are read (April–May 2026: counts only, buckets named after models; since June
 * 2026: `general` and `video` with percentages), with unknown fields ignored and a `data`
 * wrapper tolerated. Errors come back as HTTP 200 with a non-zero `base_resp.status_code`.
 */
import { Option, Schema } from "effect"

const count = Schema.optionalKey(Schema.NullOr(Schema.Number))

const Bucket = Schema.Struct({
  model_name: Schema.optionalKey(Schema.NullOr(Schema.String)),
  start_time: count,
  end_time: count,
  remains_time: count,
  current_interval_total_count: count,
  current_interval_usage_count: count,
  current_interval_status: count,
  current_interval_remaining_percent: count,
  weekly_start_time: count,
  weekly_end_time: count,
  weekly_remains_time: count,
  current_weekly_total_count: count,
  current_weekly_usage_count: count,
  current_weekly_status: count,
  current_weekly_remaining_percent: count
})
type Bucket = typeof Bucket.Type

const BaseResp = Schema.Struct({ status_code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.Number, Schema.String]))), status_msg: Schema.optionalKey(Schema.NullOr(Schema.String)) })

const Remains = Schema.Struct({
  base_resp: Schema.optionalKey(Schema.NullOr(BaseResp)),
  model_remains: Schema.optionalKey(Schema.NullOr(Schema.Array(Bucket)))
})

/** The body as served: `Remains`, possibly inside `data`. */
export const RemainsBody = Schema.Struct({
  ...Remains.fields,
  data: Schema.optionalKey(Schema.NullOr(Remains))
})

const decodeRemains = Schema.decodeUnknownOption(RemainsBody)

export interface QuotaWindow {
  readonly window: "current" | "weekly"
  readonly state: "normal" | "exhausted" | "unlimited"
  /** The share left, 0–100, when MiniMax gives it (authoritative then). */
  readonly leftPercent?: number
  /** Counts, only where there is no percentage: used of total. */
  readonly used?: number
  readonly total?: number
  /** When the window resets, epoch ms, and how long that is from the check. */
  readonly resetsAt?: number
  readonly resetsInMs?: number
  /** Set when the answer's numbers are impossible (a share outside 0–100, a reset in 1970): nothing else is shown. */
  readonly unreadable?: string
}

export interface QuotaBucket {
  readonly name: string
  readonly windows: ReadonlyArray<QuotaWindow>
}

export type QuotaReading =
  | { readonly _tag: "Buckets"; readonly buckets: ReadonlyArray<QuotaBucket> }
  /** `base_resp.status_code` was not 0: 1004 no key, 2049 a wrong key or one of the other region, 2057 not a Token Plan key. */
  | { readonly _tag: "Refused"; readonly code: number; readonly message: string }
  | { readonly _tag: "Unreadable"; readonly reason: string }

const STATE = { 1: "normal", 2: "exhausted", 3: "unlimited" } as const

const windowOf = (
  window: QuotaWindow["window"],
  fields: { status?: number | null | undefined; percent?: number | null | undefined; total?: number | null | undefined; used?: number | null | undefined; end?: number | null | undefined; remains?: number | null | undefined },
  nowMs: number
): QuotaWindow | undefined => {
  const state = STATE[(fields.status ?? 1) as 1 | 2 | 3] ?? "normal"
  const hasPercent = fields.percent !== undefined && fields.percent !== null
  const hasCounts = fields.total !== undefined && fields.total !== null && fields.total > 0
  if (!hasPercent && !hasCounts && state === "normal") return undefined
  const resetsAt = fields.end ?? (fields.remains === undefined || fields.remains === null ? undefined : nowMs + fields.remains)
  const impossible = impossibleOf(fields, resetsAt, nowMs)
  if (impossible !== undefined) return { window, state, unreadable: impossible }
  return {
    window,
    state,
    ...(hasPercent ? { leftPercent: fields.percent! } : hasCounts ? { used: fields.used ?? 0, total: fields.total! } : {}),
    ...(resetsAt === undefined || resetsAt === null ? {} : { resetsAt, resetsInMs: Math.max(0, resetsAt - nowMs) })
  }
}

/** A window resets within its week and a little: a reset further out, or before the check, is not a time MiniMax means. */
const LATEST_RESET_MS = 8 * 24 * 3_600_000
const EARLIEST_RESET_MS = -3_600_000

/** Why the window's numbers cannot be shown as facts, if they cannot. */
const impossibleOf = (
  fields: { percent?: number | null | undefined; total?: number | null | undefined; used?: number | null | undefined },
  resetsAt: number | null | undefined,
  nowMs: number
): string | undefined => {
  const { percent, total, used } = fields
  if (percent !== undefined && percent !== null && !(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    return `a remaining share of ${percent} %, outside 0–100`
  }
  if (total !== undefined && total !== null && total > 0 && used !== undefined && used !== null && !(used >= 0 && used <= total)) {
    return `${used} used of ${total}`
  }
  if (resetsAt !== undefined && resetsAt !== null && !(Number.isFinite(resetsAt) && resetsAt - nowMs >= EARLIEST_RESET_MS && resetsAt - nowMs <= LATEST_RESET_MS)) {
    return `a reset time of ${resetsAt} ms (epoch), not within the next week`
  }
  return undefined
}

/** A bucket is not in the plan when both windows are "unlimited" with both totals 0 (§6): skip it. */
const inPlan = (bucket: Bucket) =>
  !(bucket.current_interval_status === 3 && bucket.current_weekly_status === 3 &&
    (bucket.current_interval_total_count ?? 0) === 0 && (bucket.current_weekly_total_count ?? 0) === 0)

/** What a remains body says, `general` first, buckets not in the plan skipped. */
export const readQuota = (json: unknown, nowMs: number): QuotaReading => {
  const decoded = decodeRemains(json)
  if (Option.isNone(decoded)) return { _tag: "Unreadable", reason: "the answer is not a quota report" }
  const body = decoded.value
  const base = body.base_resp ?? body.data?.base_resp
  const code = Number(base?.status_code ?? 0)
  if (code !== 0) return { _tag: "Refused", code, message: base?.status_msg ?? "" }
  const buckets = body.model_remains ?? body.data?.model_remains
  if (buckets === undefined || buckets === null) return { _tag: "Unreadable", reason: "the answer holds no model_remains" }
  const read = buckets.filter(inPlan).map((bucket): QuotaBucket => ({
    name: bucket.model_name ?? "(unnamed)",
    windows: [
      windowOf("current", {
        status: bucket.current_interval_status,
        percent: bucket.current_interval_remaining_percent,
        total: bucket.current_interval_total_count,
        used: bucket.current_interval_usage_count,
        end: bucket.end_time,
        remains: bucket.remains_time
      }, nowMs),
      windowOf("weekly", {
        status: bucket.current_weekly_status,
        percent: bucket.current_weekly_remaining_percent,
        total: bucket.current_weekly_total_count,
        used: bucket.current_weekly_usage_count,
        end: bucket.weekly_end_time,
        remains: bucket.weekly_remains_time
      }, nowMs)
    ].filter((w): w is QuotaWindow => w !== undefined)
  }))
  return { _tag: "Buckets", buckets: [...read.filter((b) => b.name === "general"), ...read.filter((b) => b.name !== "general")] }
}
