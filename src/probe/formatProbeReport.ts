/**
 * The probe report as a person reads it. Pure; colour only when asked for.
 */
import { KEY_KIND_LABEL } from "../apiKey.ts"
import type { ProbeReport } from "./Probe.ts"

export const formatProbeReport = (report: ProbeReport, color: boolean): string => {
  const paint = (code: number) => (text: string) => color ? `\u001b[${code}m${text}\u001b[0m` : text
  const ok = paint(32)("ok")
  const fail = paint(31)("FAILED")
  const dim = paint(2)
  const lines: Array<string> = []
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(12)} ${value}`)

  lines.push("config")
  row("file", `${report.config.path} (${report.config.found ? `found, mode ${report.config.mode}` : "not found"})`)
  if (report.config.error !== undefined) {
    row("status", `${fail}: ${report.config.error}`)
    if (report.config.hint) row("fix", report.config.hint)
    lines.push("")
    lines.push("Put this in the file above (then chmod 600 it):")
    lines.push(`  {"api_key": "sk-cp-… or sk-api-…", "region": "global"}`)
    lines.push("or set MINIMAX_API_KEY in the environment.")
    return lines.join("\n") + "\n"
  }
  row("region", `${report.config.region}`)
  row("base_url", `${report.config.baseUrl}`)
  row("auth_header", `${report.config.authHeader}`)
  row("timeouts", `request_timeout_ms ${report.config.requestTimeoutMs}, stream_idle_timeout_ms ${report.config.streamIdleTimeoutMs}`)
  row("retries", `max_retries ${report.config.maxRetries}`)
  row("repairs", `repair_markup ${report.config.repairMarkup}`)

  lines.push("key")
  row("present", report.key.present ? "yes" : "no")
  if (report.key.kind !== undefined) row("kind", `${KEY_KIND_LABEL[report.key.kind]}`)
  if (report.key.masked !== undefined) row("masked", report.key.masked)

  if (report.endpoint !== undefined) {
    lines.push("endpoint")
    row("url", report.endpoint.url)
    row("reachable", report.endpoint.reachable ? `${ok} (${report.endpoint.latencyMs} ms)` : `${fail}: ${report.endpoint.error}`)
  }

  lines.push("models")
  for (const model of report.models) {
    if (model.ok) row(model.id, `${ok}, first token after ${model.ttftMs} ms`)
    else {
      const f = model.failure!
      const code = f.upstream?.code === undefined ? "" : ` (MiniMax ${f.upstream.code})`
      row(model.id, `${fail}: ${f.tag}${code}: ${f.message}`)
      if (f.hint) lines.push(`  ${" ".repeat(12)} ${dim(`hint: ${f.hint}`)}`)
    }
  }
  if (report.region !== undefined) {
    lines.push("region check")
    row(report.region.checked, report.region.verdict)
  }
  lines.push("")
  lines.push(report.ok ? `${ok}: ${report.models[0]?.id} answers.` : `${fail}: see the lines above.`)
  return lines.join("\n") + "\n"
}
