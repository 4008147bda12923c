/**
 * The live composition: undici for HTTP, the real file system and environment for config,
 * stdio for the protocol, logfmt on stderr at `PLEXUM_LOG_LEVEL`.
 */
import { NodeFileSystem, NodeHttpClient, NodeStdio } from "@effect/platform-node"
import { layerStderrLogger, logLevelFromEnv } from "@plexum/sdk"
import { Config, Context, Effect, Layer, Option } from "effect"
import { HttpClient, type HttpClientError } from "effect/http"
import { MinimaxProvider } from "../MinimaxProvider.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { PluginConfig } from "../services/PluginConfig.ts"
import { RegionHosts } from "../services/RegionHosts.ts"
import { SelfHeal } from "../services/SelfHeal.ts"

/**
 * undici's HttpClient, built by the first request. Loading undici was a third of the time from
 * spawn to `initialize` answered (about 120 → 105 ms here), and only turns and the probe need it.
 * Its agent belongs to this layer's scope, so it closes with the plugin as before.
 */
export const HttpClientLive = Layer.effect(
  HttpClient.HttpClient,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const undici = yield* Effect.cached(
      Layer.buildWithScope(NodeHttpClient.layerUndici, scope).pipe(
        Effect.map(Context.get(HttpClient.HttpClient)),
        Effect.uninterruptible
      )
    )
    return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (request) => Effect.flatMap(undici, (client) => Effect.flatMap(request, client.execute)),
      Effect.succeed
    )
  })
)

/** Config, the MiniMax client and what it learned, with the HttpClient they run on exposed too (the probe uses them). */
export const ServicesLive = Layer.mergeAll(
  MinimaxClient.layer.pipe(Layer.provideMerge(SelfHeal.layer)),
  PluginConfig.layer.pipe(Layer.provide([NodeFileSystem.layer, RegionHosts.layer]))
).pipe(Layer.provideMerge(HttpClientLive))

/** The provider, with stdio for the protocol. */
export const ProviderLive = MinimaxProvider.layer.pipe(Layer.provide(ServicesLive), Layer.provideMerge(NodeStdio.layer))

/** Logs on stderr (stdout carries protocol lines only), at the level `PLEXUM_LOG_LEVEL` names. */
export const LoggingLive = Layer.unwrap(
  Effect.gen(function*() {
    const level = yield* Config.option(Config.String("PLEXUM_LOG_LEVEL")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    return layerStderrLogger(logLevelFromEnv(Option.getOrUndefined(level)))
  })
)
