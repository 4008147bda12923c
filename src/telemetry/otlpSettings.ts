/**
 * Whether, and where, the plugin exports OpenTelemetry, as the OpenTelemetry environment
 * variables say: setting an endpoint alone turns export on (`OTEL_TRACES_EXPORTER` and
 * `OTEL_METRICS_EXPORTER` default to `otlp`), `none` turns a signal off, and
 * `OTEL_SDK_DISABLED=true` turns everything off. Pure.
 */

export interface OtlpSettings {
  /** Where spans go (`…/v1/traces`), or undefined: no tracing. */
  readonly tracesUrl: string | undefined
  /** Where metrics go (`…/v1/metrics`), or undefined: no metrics. */
  readonly metricsUrl: string | undefined
}

type Env = Readonly<Record<string, string | undefined>>

const set = (value: string | undefined): string | undefined => value === undefined || value.trim() === "" ? undefined : value.trim()

/** The URL of one signal: its own endpoint as given, else the general endpoint with the signal's path. */
const urlOf = (env: Env, signal: "TRACES" | "METRICS", path: string): string | undefined => {
  const exporter = set(env[`OTEL_${signal}_EXPORTER`])?.toLowerCase()
  if (exporter !== undefined && !exporter.split(",").map((each) => each.trim()).includes("otlp")) return undefined
  const own = set(env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`])
  if (own !== undefined) return own
  const general = set(env.OTEL_EXPORTER_OTLP_ENDPOINT)
  return general === undefined ? undefined : `${general.replace(/\/+$/, "")}${path}`
}

export const otlpSettingsOf = (env: Env): OtlpSettings | undefined => {
  if (set(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return undefined
  const tracesUrl = urlOf(env, "TRACES", "/v1/traces")
  const metricsUrl = urlOf(env, "METRICS", "/v1/metrics")
  return tracesUrl === undefined && metricsUrl === undefined ? undefined : { tracesUrl, metricsUrl }
}
