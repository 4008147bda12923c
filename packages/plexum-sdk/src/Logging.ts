/**
 * Logs for plugins: logfmt, one line each, on stderr (stdout carries protocol lines only),
 * filtered by `PLEXUM_LOG_LEVEL` (`error|warn|info|debug`, default `info`).
 */
import { Layer, Logger, References } from "effect"
import type { LogLevel } from "effect"

const LEVELS: Record<string, LogLevel.LogLevel> = { error: "Error", warn: "Warn", info: "Info", debug: "Debug" }

/** The minimum level named by a `PLEXUM_LOG_LEVEL` value; unknown or unset values mean `info`. */
export const logLevelFromEnv = (value: string | undefined): LogLevel.LogLevel =>
  LEVELS[(value ?? "").trim().toLowerCase()] ?? "Info"

/** Replaces the default logger (which writes to stdout) with logfmt lines on stderr. */
export const layerStderrLogger = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
