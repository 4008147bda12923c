/**
 * The MiniMax provider as a `ProviderPlugin`: config → TurnRequest translation → MiniMax
 * client → TurnStream. Configuration problems never fail `initialize`; they fail turns with
 * ConfigInvalid, and a config that was broken is read again on the next turn, so fixing the
 * file needs no restart.
 */
import type { ProviderPlugin, TurnEvent, TurnRequest } from "@plexum/sdk"
import { Context, Effect, Layer, Redacted, Stream } from "effect"
import { BUILTIN_MODELS, type Catalog } from "./catalog.ts"
import { failureFromStreamError, type FailureContext } from "./failures/classify.ts"
import { type MinimaxFailure, UpstreamProtocol } from "./failures/MinimaxFailure.ts"
import { maskKey } from "./services/Auth.ts"
import { MinimaxClient } from "./services/MinimaxClient.ts"
import { type MinimaxConfig, PLUGIN_ID, PluginConfig } from "./services/PluginConfig.ts"
import type { ReducerFault } from "./stream/BlockReducer.ts"
import { turnEventsFromText } from "./stream/TurnStream.ts"
import { toAnthropicRequest } from "./translate/toAnthropicRequest.ts"

export const PLUGIN_VERSION = "0.1.0"

const failureOfFault = (fault: ReducerFault, context: FailureContext): MinimaxFailure =>
  fault._tag === "ErrorEvent"
    ? failureFromStreamError(fault, context, Date.now())
    : new UpstreamProtocol({
      message: `MiniMax's stream broke off or was malformed: ${fault.message}`,
      retryable: fault.message.startsWith("the stream ended"),
      hint: "Retry the turn; if it keeps happening, run --probe and report the request id."
    })

/** Defence in depth: no failure leaves with the key in it, whatever the upstream echoed. */
const scrubKey = (failure: MinimaxFailure, key: string): MinimaxFailure => {
  if (key.length < 4 || !JSON.stringify(failure).includes(key)) return failure
  const scrub = (text: string | undefined) => text?.split(key).join(maskKey(key))
  const upstream = failure.upstream === undefined
    ? undefined
    : { ...failure.upstream, ...(failure.upstream.message === undefined ? {} : { message: scrub(failure.upstream.message)! }) }
  const Failure = failure.constructor as new(fields: object) => MinimaxFailure
  return new Failure({
    message: scrub(failure.message)!,
    retryable: failure.retryable,
    retryAfterMs: failure.retryAfterMs,
    hint: scrub(failure.hint),
    upstream
  })
}

/**
 * One turn against MiniMax: the request translated, sent, and its response streamed as
 * TurnEvents, every failure classified and scrubbed of the key. The provider and `--probe`
 * both run turns through this.
 */
export const streamTurn = (
  client: MinimaxClient["Service"],
  config: MinimaxConfig,
  request: TurnRequest
): Stream.Stream<TurnEvent, MinimaxFailure> => {
  const context: FailureContext = { model: request.model, region: config.region, authHeader: config.authHeader }
  const key = Redacted.value(config.apiKey)
  return turnEventsFromText(
    client.streamMessages(config, toAnthropicRequest(request, config), context),
    { model: request.model, stopSequences: request.stopSequences },
    (fault) => failureOfFault(fault, context)
  ).pipe(Stream.mapError((failure) => scrubKey(failure, key)))
}

export class MinimaxProvider extends Context.Service<MinimaxProvider, ProviderPlugin>()("plexum-minimax-provider/MinimaxProvider") {
  static readonly make = Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const client = yield* MinimaxClient
    let pluginDir: string | undefined
    let loaded: MinimaxConfig | undefined
    let models: Catalog = BUILTIN_MODELS

    const loadConfig = Effect.suspend(() => pluginConfig.load(pluginDir)).pipe(
      Effect.tap((config) =>
        Effect.sync(() => {
          loaded = config
          models = config.models
        })
      )
    )

    const startTurn = (request: TurnRequest, turnId: string) =>
      Effect.gen(function*() {
        const config = loaded ?? (yield* loadConfig)
        yield* Effect.logDebug(`turn ${turnId}: ${request.model} with ${request.messages.length} message(s) to ${config.baseUrl}`)
        return streamTurn(client, config, request)
      })

    return MinimaxProvider.of({
      id: PLUGIN_ID,
      version: PLUGIN_VERSION,
      initialize: (params) =>
        Effect.suspend(() => {
          pluginDir = params.pluginDir
          loaded = undefined
          return loadConfig.pipe(
            Effect.tapError((failure) => Effect.logWarning(`configuration: ${failure.message}`)),
            Effect.ignore
          )
        }),
      models: Effect.sync(() => models),
      turn: (request, { turnId }) => Stream.unwrap(startTurn(request, turnId))
    })
  })

  /** Needs PluginConfig and MinimaxClient. */
  static readonly layer = Layer.effect(MinimaxProvider, MinimaxProvider.make)
}
