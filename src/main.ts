/**
 * Entry point. With no arguments, as the host starts it, it serves the Plexum provider
 * protocol on stdio. Arguments are for people (--probe, --help, --version); only then is the
 * command-line module loaded, so serving never pays for it.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { serve } from "@plexum/sdk"
import { Cause, Effect, Exit } from "effect"
import { LoggingLive, ProviderLive, TelemetryLive } from "./layers/Live.ts"
import { MinimaxProvider } from "./MinimaxProvider.ts"

/** Interrupted by SIGTERM/SIGINT after a graceful stop is still a clean exit (protocol §3). */
const exitCodeOf = (exit: Exit.Exit<unknown, unknown>) => Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1

const serveProvider = Effect.gen(function*() {
  yield* serve(yield* MinimaxProvider)
}).pipe(
  Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError(Cause.pretty(cause))),
  Effect.provide(ProviderLive),
  Effect.provide(TelemetryLive),
  Effect.provide(LoggingLive)
)

if (process.argv.length > 2) {
  const { runCli } = await import("./cli/runCli.ts")
  runCli(process.argv)
} else {
  // A person who starts it by hand in a terminal would otherwise see nothing at all.
  if (process.stdin.isTTY === true) {
    process.stderr.write("plexum-minimax-provider serves the Plexum provider protocol on stdin and stdout, for a Plexum host to start; run it with --help for what a person can do (--probe, --version).\n")
  }
  NodeRuntime.runMain(serveProvider, { disableErrorReporting: true, teardown: (exit) => process.exit(exitCodeOf(exit)) })
}
