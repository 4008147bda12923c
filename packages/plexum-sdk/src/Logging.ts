/**
 * Logs for plugins: logfmt, one line each, on stderr (stdout carries protocol lines only),
 * filtered by `PLEXUM_LOG_LEVEL` (`error|warn|info|debug`, default `info`). A line is
 * `timestamp=… level=… message=…`, then `detail=` for any further message parts, `cause=`, and
 * each log annotation as a key of its own (`turn=… model=…`), so that an operator's tools can
 * read them. No fiber ids, and no key twice.
 */
import { Cause, Layer, Logger, References } from "effect"
import type { LogLevel } from "effect"

const LEVELS: Record<string, LogLevel.LogLevel> = { error: "Error", warn: "Warn", info: "Info", debug: "Debug" }

/** The minimum level named by a `PLEXUM_LOG_LEVEL` value; unknown or unset values mean `info`. */
export const logLevelFromEnv = (value: string | undefined): LogLevel.LogLevel =>
  LEVELS[(value ?? "").trim().toLowerCase()] ?? "Info"

const BARE = /^[\w.:/@+\-…]+$/

const text = (value: unknown): string => typeof value === "string" ? value : value instanceof Error ? value.message : JSON.stringify(value) ?? String(value)

/** One logfmt value: bare when it is one word, else a JSON string. */
export const logfmtValue = (value: unknown): string => {
  const raw = text(value)
  return BARE.test(raw) ? raw : JSON.stringify(raw)
}

/** The key as logfmt writes it: no spaces, quotes or `=`. */
const logfmtKey = (key: string): string => key.replace(/[^\w.\-]/g, "_")

/** The plugin's logfmt line. */
export const formatPluginLogFmt = Logger.make<unknown, string>(({ cause, date, fiber, logLevel, message }) => {
  const parts = Array.isArray(message) ? message : [message]
  let out = `timestamp=${date.toISOString()} level=${logLevel.toUpperCase()} message=${logfmtValue(parts[0] ?? "")}`
  if (parts.length > 1) out += ` detail=${logfmtValue(parts.slice(1).map(text).join(" "))}`
  if (cause.reasons.length > 0) out += ` cause=${logfmtValue(Cause.pretty(cause))}`
  const seen = new Set(["timestamp", "level", "message", "detail", "cause"])
  for (const [key, value] of Object.entries(fiber.getRef(References.CurrentLogAnnotations))) {
    const name = logfmtKey(key)
    if (seen.has(name)) continue
    seen.add(name)
    out += ` ${name}=${logfmtValue(value)}`
  }
  return out
})

/** Replaces the default logger (which writes to stdout) with logfmt lines on stderr. */
export const layerStderrLogger = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([Logger.withConsoleError(formatPluginLogFmt)]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
