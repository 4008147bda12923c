/**
 * The MiniMax provider as a `ProviderPlugin`. Configuration problems never fail `initialize`;
 * they fail turns with ConfigInvalid, and a config that was broken is read again on the next
 * turn, so fixing the file needs no restart. A loaded config and its client are kept together.
 */
import type { ProviderPlugin } from "@plexum/sdk"
import { Cause, Context, Effect, Exit, Layer, Option, Ref, References, Stream } from "effect"
import { BUILTIN_MODELS, descriptorsOf, withListedModels } from "./minimax/catalog.ts"
import { KeyChain } from "./services/KeyChain.ts"
import { type ListedModel, MinimaxClient } from "./services/MinimaxClient.ts"
import { LogOnce } from "./services/LogOnce.ts"
import { SelfHeal } from "./services/SelfHeal.ts"
import { HttpWarmup } from "./services/HttpWarmup.ts"
import { PLUGIN_ID, PLUGIN_VERSION } from "./pluginIdentity.ts"
import { type ConfigLocation, configOfKey, PluginConfig } from "./services/PluginConfig.ts"
import { runTurn, type TurnKeys } from "./turn/runTurn.ts"
import { ledgerRowOf, startTally, tallySummary, type TurnEnding } from "./turn/TurnTally.ts"
import { Ledger } from "./services/Ledger.ts"
import { recordTurn, startTurnSpan, TurnTelemetry } from "./telemetry/turnTelemetry.ts"

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
  /** The config read from there with a client per key; none until one loads. */
  readonly turnKeys: Option.Option<TurnKeys>
  /** The file's change time and size when it was read: a turn reloads the config when they differ. */
  readonly stamp: string
}

const stampOf = (location: ConfigLocation): string => location.found ? `${location.mtimeMs}:${location.size}` : "absent"

export class MinimaxProvider extends Context.Service<MinimaxProvider, ProviderPlugin>()("plexum-minimax-provider/MinimaxProvider") {
  static readonly make = Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const clients = yield* MinimaxClient
    const loaded = yield* Ref.make<Loaded>({ pluginDir: undefined, turnKeys: Option.none(), stamp: "" })
    /** MiniMax's own model list, once read: its models the catalog lacks are served too. */
    const listed = yield* Ref.make<ReadonlyArray<ListedModel>>([])
    const warmup = yield* HttpWarmup
    const selfHeal = yield* SelfHeal
    const logOnce = yield* LogOnce
    const keyChain = yield* KeyChain
    const ledger = yield* Ledger
    const telemetry = yield* TurnTelemetry
    const scope = yield* Effect.scope

    const withListed = (turnKeys: TurnKeys, models: ReadonlyArray<ListedModel>): TurnKeys =>
      models.length === 0 ? turnKeys : { ...turnKeys, config: { ...turnKeys.config, models: withListedModels(turnKeys.config.models, models).catalog } }

    const load = (pluginDir: string | undefined, stamp: string) =>
      pluginConfig.load(pluginDir).pipe(
        Effect.map((config): TurnKeys => ({ config, keys: config.keys.map((key) => ({ key, client: clients.forConfig(configOfKey(config, key)) })) })),
        Effect.flatMap((turnKeys) => Effect.map(Ref.get(listed), (models) => withListed(turnKeys, models))),
        Effect.tap((turnKeys) => Ref.set(loaded, { pluginDir, turnKeys: Option.some(turnKeys), stamp }))
      )

    /** Opens the usage ledger the loaded config names (or none: the budget then counts this process alone). */
    const openLedger = Effect.flatMap(Ref.get(loaded), ({ turnKeys }) =>
      Option.match(turnKeys, {
        onNone: () => ledger.open(undefined, 0),
        onSome: ({ config }) => ledger.open(config.ledgerPath, config.ledgerRetentionDays)
      }))

    /**
     * Reads MiniMax's own model list once, in the background after `initialize`, with the first
     * key. A list that cannot be read changes nothing; an id no known prefix names is said once.
     */
    const syncModelList = Effect.gen(function*() {
      const state = yield* Ref.get(loaded)
      if (Option.isNone(state.turnKeys)) return
      const result = yield* Effect.result(state.turnKeys.value.keys[0]!.client.listModels)
      if (result._tag === "Failure") return yield* Effect.logDebug("MiniMax's model list could not be read", result.failure.message)
      yield* Ref.set(listed, result.success)
      const merged = withListedModels(state.turnKeys.value.config.models, result.success)
      yield* Ref.update(loaded, (now) => ({ ...now, turnKeys: Option.map(now.turnKeys, (turnKeys) => withListed(turnKeys, result.success)) }))
      for (const id of merged.unguessed) yield* logOnce.note(`family:${id}`, `${id} is on MiniMax's model list but no known name says its family; it is sent as M2`)
      if (merged.added.length > 0) yield* Effect.logInfo("models added from MiniMax's model list", merged.added.join(", "))
    })

    /**
     * The config turns run with. A config that loaded is kept until its file changes; then a
     * valid new one replaces it (keys refused until then may serve again), and a broken one is
     * said once and the old one kept. A config that never loaded is read again each turn.
     */
    const current = Effect.gen(function*() {
      const state = yield* Ref.get(loaded)
      const stamp = stampOf(yield* pluginConfig.locate(state.pluginDir))
      if (Option.isSome(state.turnKeys) && state.stamp === stamp) return state.turnKeys.value
      const reloaded = yield* Effect.result(load(state.pluginDir, stamp))
      if (reloaded._tag === "Success") {
        if (Option.isSome(state.turnKeys)) {
          yield* keyChain.configChanged
          yield* Effect.logInfo("config.json changed: reloaded")
        }
        return reloaded.success
      }
      if (Option.isNone(state.turnKeys)) return yield* Effect.fail(reloaded.failure)
      yield* Ref.set(loaded, { ...state, stamp })
      yield* Effect.logWarning(`config.json changed but cannot be used, so the config read before stays: ${reloaded.failure.message}`)
      return state.turnKeys.value
    })

    return MinimaxProvider.of({
      id: PLUGIN_ID,
      version: PLUGIN_VERSION,
      initialize: (params) =>
        Ref.set(loaded, { pluginDir: params.pluginDir, turnKeys: Option.none(), stamp: "" }).pipe(
          Effect.andThen(Effect.flatMap(pluginConfig.locate(params.pluginDir), (location) => load(params.pluginDir, stampOf(location)))),
          Effect.tapError((failure) => Effect.logWarning(`configuration: ${failure.message}`)),
          Effect.ignore,
          // Once the answer is out, in the background: the ledger opened (a budget reads it), the HTTP client loaded (HttpWarmup),
          // the OTLP exporters started (when configured), the model list read.
          Effect.andThen(Effect.forkIn(Effect.delay(Effect.all([openLedger, warmup, telemetry, syncModelList], { discard: true }), WARMUP_DELAY_MS), scope)),
          Effect.asVoid
        ),
      models: Effect.map(Ref.get(loaded), ({ turnKeys }) =>
        Option.match(turnKeys, { onSome: ({ config }) => descriptorsOf(config.models), onNone: () => descriptorsOf(BUILTIN_MODELS) })),
      turn: (request, { turnId }) =>
        Stream.unwrap(Effect.gen(function*() {
          const tally = startTally(turnId, request.model, performance.now(), Date.now())
          const turnTelemetry = yield* telemetry
          const traced = yield* startTurnSpan(turnTelemetry, request.model)
          const finished = (ending: TurnEnding) =>
            Effect.suspend(() => {
              const endedAt = performance.now()
              return Effect.all([
                Effect.logInfo("turn finished").pipe(Effect.annotateLogs(tallySummary(tally, ending, endedAt))),
                ledger.record(ledgerRowOf(tally, ending, endedAt)),
                recordTurn(traced, tally, ending)
              ], { discard: true })
            })
          const turnKeys = yield* Effect.tapError(current, (failure) => finished({ failure: failure._tag }))
          yield* Effect.logDebug("turn started", `${request.messages.length} message(s), ${turnKeys.keys.length} key(s)`).pipe(
            Effect.annotateLogs({ turn: turnId, model: request.model })
          )
          const events = yield* runTurn(turnKeys, request, tally).pipe(
            Effect.provideService(SelfHeal, selfHeal),
            Effect.provideService(LogOnce, logOnce),
            Effect.provideService(KeyChain, keyChain),
            Effect.provideService(Ledger, ledger),
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
            Stream.provideService(References.CurrentLogAnnotations, { turn: turnId, model: request.model }),
            (turnEvents) => turnTelemetry === undefined ? turnEvents : Stream.provideContext(turnEvents, turnTelemetry.context)
          )
        }))
    })
  })

  /** Needs PluginConfig, MinimaxClient, SelfHeal, LogOnce, KeyChain and Ledger; HttpWarmup, when provided (live), runs after `initialize`. */
  static readonly layer = Layer.effect(MinimaxProvider, MinimaxProvider.make)
}
