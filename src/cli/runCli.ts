/**
 * The command line a person uses: `--probe [--json]`, `--help`, `--version`. Loaded only when
 * the plugin is started with arguments (the host never passes any).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { LoggingLive, ServicesLive } from "../layers/Live.ts"
import { exitCodeOf, runProbe } from "../probe/Probe.ts"
import { formatProbeReport } from "../probe/formatProbeReport.ts"
import { PLUGIN_ID, PLUGIN_VERSION } from "../services/PluginConfig.ts"

/** Exit code for a command line that cannot be carried out. */
const USAGE_ERROR = 2

const probe = Effect.fn("probe")(function*(json: boolean, models: ReadonlyArray<string> | "all" | undefined) {
  // Progress goes to stderr as the probe asks, so a slow host is seen waiting, not hanging; the report goes to stdout.
  const progress = json ? undefined : (step: string) => Effect.sync(() => void process.stderr.write(`${step}\n`))
  const report = yield* runProbe({ ...(models === undefined ? {} : { models }), ...(progress === undefined ? {} : { progress }) })
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : formatProbeReport(report, color))
  process.exitCode = exitCodeOf(report)
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
    allModels: Flag.Boolean("all-models").pipe(Flag.withDescription("with --probe: check every model of the catalog"), Flag.withDefault(false))
  },
  ({ allModels, json, model, probe: wanted }) =>
    wanted ? probe(json, allModels ? "all" : model.length > 0 ? model : undefined) : Effect.sync(() => {
      process.stderr.write(`Nothing to do: run with --probe, --help or --version. Plexum starts the plugin with no arguments.\n`)
      process.exitCode = USAGE_ERROR
    })
).pipe(Command.withDescription("A Plexum provider plugin for MiniMax. With no arguments it serves the Plexum provider protocol on stdio."))

/** `--version` alone prints the bare version, as scripts expect (effect's CLI would print "name v…"). */
const program = (argv: ReadonlyArray<string>) =>
  (argv.length === 3 && argv[2] === "--version"
    ? Effect.sync(() => void process.stdout.write(`${PLUGIN_VERSION}\n`))
    : Command.runWith(command, { version: PLUGIN_VERSION })(argv.slice(2))).pipe(
    Effect.catch(() => Effect.sync(() => void (process.exitCode = USAGE_ERROR))),
    Effect.provide(Layer.mergeAll(ServicesLive, LoggingLive, NodeServices.layer))
  )

export const runCli = (argv: ReadonlyArray<string>) =>
  NodeRuntime.runMain(program(argv), {
    teardown: (exit) => process.exit(exit._tag === "Success" ? Number(process.exitCode ?? 0) : 1)
  })
