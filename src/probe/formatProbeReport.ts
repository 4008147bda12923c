/**
 * The probe report as a person reads it. Pure; colour only when asked for.
 */
import { KEY_KIND_LABEL } from "../minimax/apiKey.ts"
import type { ProbeReport } from "./Probe.ts"
import type { QuotaWindow } from "../minimax/quota.ts"
import { escapeControls, mapStrings } from "./untrusted.ts"
import { localTime } from "../localTime.ts"

const ENV_NAMES: Partial<Record<string, string>> = { api_key: "MINIMAX_API_KEY", region: "MINIMAX_REGION", base_url: "MINIMAX_BASE_URL" }

export const formatProbeReport = (untrusted: ProbeReport, color: boolean): string => {
  const report = mapStrings(untrusted, escapeControls)
  const paint = (code: number) => (text: string) => color ? `\u001b[${code}m${text}\u001b[0m` : text
  const ok = paint(32)("ok")
  const fail = paint(31)("FAILED")
  const dim = paint(2)
  const lines: Array<string> = []
  const labels = [
    ...report.models.map((model) => model.id),
    ...(report.quota?.status === "ok" ? report.quota.buckets.map((bucket) => bucket.name) : []),
    ...(report.chain ?? []).map((key) => key.label)
  ]
  const width = Math.max(12, ...labels.map((label) => label.length))
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(width)} ${value}`)
  const more = (value: string) => lines.push(`  ${" ".repeat(width)} ${value}`)

  lines.push("config")
  row("file", `${report.config.path} (${report.config.found ? `found, mode ${report.config.mode}` : "not found"})`)
  for (const warning of report.warnings ?? []) row("warning", paint(33)(warning))
  if (report.config.error !== undefined) {
    row("status", `${fail}: ${report.config.error}`)
    if (report.config.hint) row("fix", report.config.hint)
    // A file that exists holds settings worth keeping: only with no config at all is a whole one offered.
    if (!report.config.found && !report.key.present) {
      lines.push("")
      lines.push("Put this in the file above (then chmod 600 it):")
      lines.push(`  {"api_key": "sk-cp-… or sk-api-…", "region": "global"}`)
      lines.push("or set MINIMAX_API_KEY in the environment.")
    }
    return lines.join("\n") + "\n"
  }
  const from = (setting: keyof NonNullable<ProbeReport["config"]["sources"]>) => {
    const source = report.config.sources?.[setting]
    return source === undefined ? "" : dim(source === "env" ? ` (${ENV_NAMES[setting] ?? "environment"})` : ` (${source})`)
  }
  row("region", `${report.config.region}${from("region")}`)
  row("base_url", `${report.config.baseUrl}${from("base_url")}`)
  row("auth_header", `${report.config.authHeader}${from("auth_header")}`)
  row("timeouts", `request_timeout_ms ${report.config.requestTimeoutMs}${from("request_timeout_ms")}, stream_idle_timeout_ms ${report.config.streamIdleTimeoutMs}${from("stream_idle_timeout_ms")}`)
  row("retries", `max_retries ${report.config.maxRetries}${from("max_retries")}`)
  row("repairs", `repair_markup ${report.config.repairMarkup}${from("repair_markup")}`)

  lines.push("key")
  row("present", report.key.present ? `yes${from("api_key")}` : "no")
  if (report.key.kind !== undefined) row("kind", `${KEY_KIND_LABEL[report.key.kind]}`)
  if (report.key.masked !== undefined) row("masked", report.key.masked)

  if (report.usageError !== undefined) {
    lines.push("")
    lines.push(`${fail}: ${report.usageError}`)
    return lines.join("\n") + "\n"
  }

  if (report.endpoint !== undefined) {
    lines.push("endpoint")
    row("url", report.endpoint.url)
    row("reachable", report.endpoint.reachable ? `${ok} (${report.endpoint.latencyMs} ms)` : `${fail}: ${report.endpoint.error}`)
    for (const other of report.endpoint.otherHosts ?? []) row("", `${other.host}: ${other.reachable ? "answers" : "no answer either"}`)
    if (report.endpoint.hint !== undefined) row("hint", report.endpoint.hint)
  }

  if (report.quota !== undefined) {
    lines.push("quota")
    const quota = report.quota
    if (quota.status === "none") row("plan", quota.reason)
    else if (quota.status === "unreadable") row("plan", `could not be read from ${quota.host}: ${quota.reason}${quota.code === undefined ? "" : ` (${quota.code})`}`)
    else if (quota.buckets.length === 0) row("plan", `${quota.host} lists no bucket in this plan`)
    else {
      for (const bucket of quota.buckets) {
        for (const window of bucket.windows) row(window.window === "current" ? bucket.name : "", describeWindow(window, report.checkedAt))
      }
    }
  }

  lines.push("models")
  for (const model of report.models) {
    if (model.ok) {
      // The model that answered is the only witness of what served the turn (§8): its own column.
      const answered = model.answeredBy === undefined ? "" : `  ${paint(33)(`answered by ${model.answeredBy}`)}`
      row(model.id, `${`${ok}, first token after ${model.ttftMs} ms`.padEnd(color ? 38 : 29)}${answered}`)
    } else if (model.failure === undefined) {
      row(model.id, dim(model.skipped ?? "not asked"))
    } else {
      const f = model.failure
      const code = f.upstream?.code === undefined ? "" : ` (MiniMax ${f.upstream.code})`
      row(model.id, `${fail}: ${f.tag}${code}: ${f.message}`)
      if (f.hint) more(dim(`hint: ${f.hint}`))
    }
  }
  if (report.modelList !== undefined) {
    lines.push("model list")
    const list = report.modelList
    if (list.status === "unreadable") row("MiniMax's", `could not be read: ${list.reason}`)
    else {
      row("listed only", list.notInCatalog.length === 0 ? "none: every listed model is in the catalog" : `${list.notInCatalog.join(", ")} (served too, family from the name)`)
      row("not listed", list.notListed.length === 0 ? "none" : `${list.notListed.join(", ")} (still served: MiniMax's list is not proof of what a key may use)`)
    }
  }
  if (report.chain !== undefined) {
    lines.push("keys (tried in this order)")
    for (const key of report.chain) {
      row(key.label, `${key.masked}, ${KEY_KIND_LABEL[key.kind]}, billed to ${key.billing === "plan" ? "its plan" : "pay-as-you-go"}, ${key.region}: ${key.state}`)
      if (key.quota.status === "ok") for (const bucket of key.quota.buckets) for (const window of bucket.windows) more(`${bucket.name} ${describeWindow(window, report.checkedAt)}`)
      else if (key.quota.status === "unreadable") more(`quota could not be read: ${key.quota.reason}`)
      const served = key.models.filter((model) => model.ok).map((model) => model.id)
      const refused = key.models.filter((model) => model.failure !== undefined).map((model) => `${model.id} (${model.failure!.tag})`)
      more(`serves: ${served.length === 0 ? "none of the checked models" : served.join(", ")}${refused.length === 0 ? "" : `; refused: ${refused.join(", ")}`}`)
    }
  }
  if (report.auth !== undefined) {
    lines.push("key check")
    for (const check of report.auth.checks) row(check.answer, `${check.host} (${check.question}, ${check.header})`)
    const verdict = { "wrong-region": "the key belongs to the other region", "wrong-header": "the host wants the other auth header", "wrong-key": "no host accepts the key" }[report.auth.verdict]
    row("verdict", `${verdict}: set ${report.auth.fix} in config.json`)
  }
  lines.push("")
  lines.push(report.ok ? `${ok}: ${report.models[0]?.id ?? report.chain?.[0]?.models[0]?.id} answers.` : `${fail}: see the lines above.`)
  return lines.join("\n") + "\n"
}

/** "in 2 h 14 min" */
export const inDuration = (ms: number): string => {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `in ${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `in ${hours} h ${minutes % 60} min`
  return `in ${Math.floor(hours / 24)} d ${hours % 24} h`
}

const describeWindow = (window: QuotaWindow, checkedAt: number): string => {
  const name = window.window === "current" ? "window" : "week"
  if (window.unreadable !== undefined) return `${name}: unreadable (the answer says ${window.unreadable})`
  const left = window.state === "unlimited"
    ? "unlimited"
    : window.state === "exhausted"
    ? "exhausted (0 % left)"
    : window.leftPercent !== undefined
    ? `${window.leftPercent} % left`
    : window.total !== undefined
    ? `${window.total - (window.used ?? 0)} of ${window.total} left`
    : "left: unknown"
  const reset = window.resetsAt === undefined
    ? ""
    : `, resets ${localTime(window.resetsAt)}, ${inDuration(window.resetsInMs ?? window.resetsAt - checkedAt)}`
  return `${name}: ${left}${reset}`
}
