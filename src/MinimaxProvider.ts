/**
 * The MiniMax provider as a `ProviderPlugin`. Configuration problems never fail `initialize`;
 * they fail turns with ConfigInvalid, and a config that was broken is read again on the next
 * turn, so fixing the file needs no restart. A loaded config and its client are kept together.
 */
import type { ProviderPlugin } from "@plexum/sdk"
import { Cause, Context, Effect, Exit, Layer, Option, Ref, References, Stream } from "effect"
import { BUILTIN_MODELS, descriptorsOf } from "./minimax/catalog.ts"
import { type ConfiguredClient, MinimaxClient } from "./services/MinimaxClient.ts"
import { LogOnce } from "./services/LogOnce.ts"
import { SelfHeal } from "./services/SelfHeal.ts"
import { HttpWarmup } from "./services/HttpWarmup.ts"
import { PLUGIN_ID, PLUGIN_VERSION } from "./pluginIdentity.ts"
import { PluginConfig } from "./services/PluginConfig.ts"
import { runTurn } from "./turn/runTurn.ts"
import { startTally, tallySummary, type TurnEnding } from "./turn/TurnTally.ts"

/** The tag of the failure that ended a turn, or "Defect" when something else did. */
const failureTagOf = (cause: Cause.Cause<{ readonly _tag: string }>): string => {
  const failure = cause.reasons.find(Cause.isFailReason)
  return failure === undefined ? "Defect" : failure.error._tag
}

/** Long enough for the `initialize` answer to be written before the HTTP client loads. */
const WARMUP_DELAY_MS = 20

interface Loaded {
  /** Where the host said config.json lives. */
  readonly pluginDir: string | undefined
  /** The config read from there and the client built for it; none until one loads. */
  readonly api: Option.Option<ConfiguredClient>
}

export class MinimaxProvider extends Context.Service<MinimaxProvider, ProviderPlugin>()("plexum-minimax-provider/MinimaxProvider") {
  static readonly make = Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const clients = yield* MinimaxClient
    const loaded = yield* Ref.make<Loaded>({ pluginDir: undefined, api: Option.none() })
    const warmup = yield* HttpWarmup
    const selfHeal = yield* SelfHeal
    const logOnce = yield* LogOnce
    const scope = yield* Effect.scope

    const load = (pluginDir: string | undefined) =>
      pluginConfig.load(pluginDir).pipe(
        Effect.map(clients.forConfig),
        Effect.tap((api) => Ref.set(loaded, { pluginDir, api: Option.some(api) }))
      )

    const current = Effect.flatMap(Ref.get(loaded), ({ api, pluginDir }) =>
      Option.match(api, { onSome: Effect.succeed, onNone: () => load(pluginDir) }))

    return MinimaxProvider.of({
      id: PLUGIN_ID,
      version: PLUGIN_VERSION,
      initialize: (params) =>
        Ref.set(loaded, { pluginDir: params.pluginDir, api: Option.none() }).pipe(
          Effect.andThen(load(params.pluginDir)),
          Effect.tapError((failure) => Effect.logWarning(`configuration: ${failure.message}`)),
          Effect.ignore,
          // Once the answer is out, the HTTP client is loaded in the background (HttpWarmup).
          Effect.andThen(Effect.forkIn(Effect.delay(warmup, WARMUP_DELAY_MS), scope)),
          Effect.asVoid
        ),
      models: Effect.map(Ref.get(loaded), ({ api }) => Option.match(api, { onSome: (a) => descriptorsOf(a.config.models), onNone: () => descriptorsOf(BUILTIN_MODELS) })),
      turn: (request, { turnId }) =>
        Stream.unwrap(Effect.gen(function*() {
          const tally = startTally(turnId, request.model, performance.now())
          const finished = (ending: TurnEnding) =>
            Effect.logInfo("turn finished").pipe(Effect.annotateLogs(tallySummary(tally, ending, performance.now())))
          const api = yield* Effect.tapError(current, (failure) => finished({ failure: failure._tag }))
          yield* Effect.logDebug("turn started", `${request.messages.length} message(s) to ${api.config.baseUrl}`).pipe(Effect.annotateLogs({ turn: turnId, model: request.model }))
          const events = yield* runTurn(api, request, tally).pipe(
            Effect.provideService(SelfHeal, selfHeal),
            Effect.provideService(LogOnce, logOnce),
            Effect.tapError((failure) => finished({ failure: failure._tag }))
          )
          return events.pipe(
            Stream.onExit((exit) =>
              finished(
                Exit.isSuccess(exit)
                  ? { stopReason: tally.stopReason ?? "end_turn" }
                  : { failure: Cause.hasInterruptsOnly(exit.cause) ? "Cancelled" : failureTagOf(exit.cause) }
              )
            ),
            Stream.provideService(References.CurrentLogAnnotations, { turn: turnId, model: request.model })
          )
        }))
    })
  })

  /** Needs PluginConfig, MinimaxClient, SelfHeal and LogOnce; HttpWarmup, when provided (live), runs after `initialize`. */
  static readonly layer = Layer.effect(MinimaxProvider, MinimaxProvider.make)
}
