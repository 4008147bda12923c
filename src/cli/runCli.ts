/**
 * The command line a person uses: `--probe [--json]`, `--help`, `--version`. Loaded only when
 * the plugin is started with arguments (the host never passes any).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { formatPluginLogFmt, logLevelFromEnv } from "@plexum/sdk"
import { Config, Effect, Layer, Logger, Option, References } from "effect"
import { CliConfig, Command, Flag, GlobalFlag } from "effect/cli"
import { ServicesLive } from "../layers/Live.ts"
import { exitCodeOf, runProbe } from "../probe/Probe.ts"
import { formatProbeReport } from "../probe/formatProbeReport.ts"
import { readLedger } from "../usage/readLedger.ts"
import { formatUsageReport, type GroupBy, sinceOf, usageReport } from "../usage/usageReport.ts"
import { PLUGIN_ID, PLUGIN_VERSION } from "../pluginIdentity.ts"

/** Exit code for a command line that cannot be carried out. */
const USAGE_ERROR = 2

/** Warnings logged while the CLI runs: part of the report a person reads, not logfmt above it. */
const warnings: Array<string> = []

/** Warnings and errors go into the report; anything else the level lets through, to stderr as the plugin logs. */
const cliLogger = Logger.make<unknown, void>((options) => {
  const { logLevel, message } = options
  if (logLevel === "Warn" || logLevel === "Error" || logLevel === "Fatal") {
    warnings.push((Array.isArray(message) ? message : [message]).map((part) => typeof part === "string" ? part : JSON.stringify(part)).join(" "))
  } else process.stderr.write(`${formatPluginLogFmt.log(options)}\n`)
})

const probe = Effect.fn("probe")(function*(json: boolean, models: ReadonlyArray<string> | "all" | undefined) {
  // Progress goes to stderr as the probe asks, so a slow host is seen waiting, not hanging; the report goes to stdout.
  const progress = json ? undefined : (step: string) => Effect.sync(() => void process.stderr.write(`${step}\n`))
  const probed = yield* runProbe({ ...(models === undefined ? {} : { models }), ...(progress === undefined ? {} : { progress }) })
  const report = warnings.length === 0 ? probed : { ...probed, warnings: [...warnings] }
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : formatProbeReport(report, color))
  process.exitCode = exitCodeOf(report)
})

const usageCommand = Effect.fn("usage")(function*(json: boolean, since: string, by: GroupBy) {
  const nowMs = Date.now()
  const from = sinceOf(since, nowMs)
  if (typeof from === "string") {
    process.stderr.write(`${from}\n`)
    process.exitCode = USAGE_ERROR
    return
  }
  const read = yield* readLedger(from)
  if (read._tag === "NoLedger") {
    process.stdout.write(`${read.why}\n`)
    return
  }
  const report = usageReport(read.rows, from, by)
  process.stdout.write(
    json
      ? JSON.stringify({ ledger: read.path, ...report, ...(warnings.length === 0 ? {} : { warnings }) }, null, 2) + "\n"
      : formatUsageReport(report, read.path) + warnings.map((warning) => `warning: ${warning}\n`).join("")
  )
})

const command = Command.make(
  PLUGIN_ID,
  {
    probe: Flag.Boolean("probe").pipe(Flag.withDescription("check config, key, endpoint and models, then exit (0 ok, 1 a live check failed, 2 config or usage error)"), Flag.withDefault(false)),
    json: Flag.Boolean("json").pipe(Flag.withDescription("with --probe: the report as JSON"), Flag.withDefault(false)),
    model: Flag.String("model").pipe(
      Flag.withDescription("with --probe: a model to check (repeatable); default MiniMax-M3, MiniMax-M2.7, MiniMax-M2.7-highspeed"),
      Flag.atLeast(0)
    ),
    allModels: Flag.Boolean("all-models").pipe(Flag.withDescription("with --probe: check every model of the catalog"), Flag.withDefault(false)),
    usage: Flag.Boolean("usage").pipe(Flag.withDescription("a report from the usage ledger: turns, tokens, dollars, cache hits, and what drains a plan"), Flag.withDefault(false)),
    since: Flag.String("since").pipe(Flag.withDescription("with --usage: 24h, 7d, 30d or a date (2026-12-01); default 7d"), Flag.withDefault("7d")),
    by: Flag.ChoiceWithValue("by", [["day", "day"], ["model", "model"], ["key", "key"]] as const).pipe(Flag.withDescription("with --usage: one row per day, model or key; default day"), Flag.withDefault("day")),
    version: Flag.Boolean("version").pipe(Flag.withAlias("v"), Flag.withDescription("print the version and exit"), Flag.withDefault(false))
  },
  ({ allModels, by, json, model, probe: wanted, since, usage, version }) =>
    version
      ? Effect.sync(() => void process.stdout.write(`${PLUGIN_VERSION}\n`))
      : usage
      ? usageCommand(json, since, by)
      : wanted
      ? probe(json, allModels ? "all" : model.length > 0 ? model : undefined)
      : Effect.sync(() => {
        process.stderr.write(`Nothing to do: run with --probe, --usage, --help or --version. Plexum starts the plugin with no arguments.\n`)
        process.exitCode = USAGE_ERROR
      })
).pipe(Command.withDescription("A Plexum provider plugin for MiniMax. With no arguments it serves the Plexum provider protocol on stdio."))

/** Only --help of effect's built-in flags: --version is this program's own (the bare version), and a wizard or shell completions make no sense here. */
const CliSettings = CliConfig.layer({ builtIns: [GlobalFlag.Help] })

const program = (argv: ReadonlyArray<string>) =>
  Command.runWith(command, { version: PLUGIN_VERSION })(argv.slice(2)).pipe(
    Effect.catch(() => Effect.sync(() => void (process.exitCode = USAGE_ERROR))),
    Effect.provide(Layer.mergeAll(ServicesLive, CliLogging, CliSettings, NodeServices.layer))
  )

const CliLogging = Layer.unwrap(Effect.map(Config.option(Config.String("PLEXUM_LOG_LEVEL")).pipe(Effect.orElseSucceed(() => Option.none<string>())), (level) =>
  Layer.mergeAll(
    Logger.layer([cliLogger]),
    Layer.succeed(References.MinimumLogLevel, logLevelFromEnv(Option.getOrUndefined(level)))
  )))

export const runCli = (argv: ReadonlyArray<string>) =>
  NodeRuntime.runMain(program(argv), {
    teardown: (exit) => process.exit(exit._tag === "Success" ? Number(process.exitCode ?? 0) : 1)
  })
