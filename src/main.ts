/**
 * Entry point. With no arguments (as the host starts it) it serves the Plexum provider
 * protocol on stdio. Arguments are for people: --help, --version, --probe [--json].
 */
import { NodeRuntime, NodeStdio } from "@effect/platform-node"
import { layerStderrLogger, logLevelFromEnv, serve } from "@plexum/sdk"
import { Cause, Effect, Exit, Layer } from "effect"
import { ProviderLive, ServicesLive } from "./layers/Live.ts"
import { exitCodeOf, runProbe } from "./probe/Probe.ts"
import { formatProbeReport } from "./probe/formatProbeReport.ts"
import { MinimaxProvider, PLUGIN_VERSION } from "./Provider.ts"
import { PLUGIN_ID } from "./services/PluginConfig.ts"

const USAGE = `${PLUGIN_ID} ${PLUGIN_VERSION}: a Plexum provider plugin for MiniMax (MiniMax-M2.7, MiniMax-M2.7-highspeed).

Usage:
  node dist/main.js                 serve the Plexum provider protocol on stdio (how Plexum starts it)
  node dist/main.js --probe [--json] check config, key, endpoint and every model, then exit
  node dist/main.js --version       print the version
  node dist/main.js --help          print this help

Config: $PLEXUM_HOME/plugins/${PLUGIN_ID}/config.json (PLEXUM_HOME defaults to ~/.plexum).
`

const args = process.argv.slice(2)
const Logging = layerStderrLogger(logLevelFromEnv(process.env.PLEXUM_LOG_LEVEL))

/** Interrupted by SIGTERM/SIGINT after a graceful stop is still a clean exit (protocol §3). */
const serveExitCode = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1

const serveProvider = Effect.gen(function*() {
  yield* serve(yield* MinimaxProvider)
}).pipe(
  Effect.provide(ProviderLive.pipe(Layer.provideMerge(NodeStdio.layer)))
)

if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE)
} else if (args.includes("--version")) {
  process.stdout.write(`${PLUGIN_VERSION}\n`)
} else if (args.includes("--probe")) {
  runProbe().pipe(
    Effect.tap((report) =>
      Effect.sync(() => {
        const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
        process.stdout.write(args.includes("--json") ? JSON.stringify(report, null, 2) + "\n" : formatProbeReport(report, color))
        process.exitCode = exitCodeOf(report)
      })
    ),
    Effect.provide([ServicesLive, Logging]),
    NodeRuntime.runMain({ teardown: (exit) => process.exit(Exit.isSuccess(exit) ? Number(process.exitCode ?? 0) : 1) })
  )
} else if (args.length > 0) {
  process.stderr.write(`Unknown argument(s): ${args.join(" ")}\n\n${USAGE}`)
  process.exitCode = 2
} else {
  serveProvider.pipe(
    Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError(Cause.pretty(cause))),
    Effect.provide(Logging),
    NodeRuntime.runMain({
      disableErrorReporting: true,
      teardown: (exit) => process.exit(serveExitCode(exit))
    })
  )
}
