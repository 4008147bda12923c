/**
 * The live composition: undici for HTTP, the real file system and environment for config.
 */
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpClient, type HttpClientError } from "effect/http"
import { MinimaxProvider } from "../Provider.ts"
import { Auth } from "../services/Auth.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { PluginConfig } from "../services/PluginConfig.ts"

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

/** Config and the MiniMax client, with the HttpClient they run on exposed too (the probe uses it). */
export const ServicesLive = Layer.mergeAll(
  MinimaxClient.layer.pipe(Layer.provide(Auth.layer)),
  PluginConfig.layer.pipe(Layer.provide(NodeFileSystem.layer))
).pipe(Layer.provideMerge(HttpClientLive))

export const ProviderLive = MinimaxProvider.layer.pipe(Layer.provide(ServicesLive))
