/**
 * The live composition: undici for HTTP, node:fs and the environment for config,
 * stdio for the protocol, logfmt on stderr at `PLEXUM_LOG_LEVEL`.
 */
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { layerStderrLogger, logLevelFromEnv } from "@plexum/sdk"
import { Config, Context, Effect, Layer, Option } from "effect"
import { HttpClient, type HttpClientError } from "effect/http"
import { MinimaxProvider } from "../MinimaxProvider.ts"
import { PLUGIN_ID, PLUGIN_VERSION } from "../pluginIdentity.ts"
import { otlpSettingsOf } from "../telemetry/otlpSettings.ts"
import { TurnTelemetry } from "../telemetry/turnTelemetry.ts"
import { ConfigFileSystem } from "./ConfigFileSystem.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { PluginConfig } from "../services/PluginConfig.ts"
import { HttpWarmup } from "../services/HttpWarmup.ts"
import { KeyChain } from "../services/KeyChain.ts"
import { Ledger } from "../services/Ledger.ts"
import { LogOnce } from "../services/LogOnce.ts"
import { SelfHeal } from "../services/SelfHeal.ts"

/**
 * undici's HttpClient, imported and built by the first request: the build puts it in a chunk
 * of its own (dist/chunks/), and with it node:http, https and tls, which loading at start cost
 * about 30 ms before `initialize` was answered. Only turns and the probe need it. Its agent
 * belongs to this layer's scope, so it closes with the plugin. `HttpWarmup` loads it ahead of time.
 */
export const HttpClientLive = Layer.effectContext(
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const undici = yield* Effect.cached(
      Effect.promise(() => import("./undiciClient.ts")).pipe(
        Effect.flatMap(({ layerUndici }) => Layer.buildWithScope(layerUndici, scope)),
        Effect.map(Context.get(HttpClient.HttpClient)),
        Effect.uninterruptible
      )
    )
    const client = HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (request) => Effect.flatMap(undici, (client) => Effect.flatMap(request, client.execute)),
      Effect.succeed
    )
    const warmup = undici.pipe(Effect.andThen(Effect.logDebug("HTTP client loaded ahead of the first request")))
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(HttpWarmup, warmup))
  })
)

/** Config, the MiniMax client and what it learned, what is said once, with the HttpClient they run on exposed too (the probe uses them). */
export const ServicesLive = Layer.mergeAll(
  MinimaxClient.layer.pipe(Layer.provideMerge(SelfHeal.layer)),
  LogOnce.layer,
  KeyChain.layer,
  Ledger.layer,
  PluginConfig.layer.pipe(Layer.provide(ConfigFileSystem))
).pipe(Layer.provideMerge(HttpClientLive))

/** The provider, with stdio for the protocol. */
export const ProviderLive = MinimaxProvider.layer.pipe(Layer.provide(ServicesLive), Layer.provideMerge(NodeStdio.layer))

/**
 * OpenTelemetry, when the environment configures it (./../telemetry/otlpSettings.ts): effect's
 * OTLP exporters over the same lazily loaded HTTP client, imported and started by their first
 * use (the warm-up after `initialize`, or a turn that comes first), in this layer's scope, which
 * flushes them at exit. Otherwise nothing is loaded and no connection is ever attempted.
 */
export const TelemetryLive = Layer.unwrap(Effect.sync(() => {
  const settings = otlpSettingsOf(process.env)
  if (settings === undefined) return Layer.empty
  return Layer.effect(
    TurnTelemetry,
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const httpClient = yield* Effect.context<HttpClient.HttpClient>()
      return yield* Effect.cached(
        Effect.promise(() => import("../telemetry/otlpExport.ts")).pipe(
          Effect.flatMap(({ startOtlpExport }) => startOtlpExport(settings, { serviceName: PLUGIN_ID, serviceVersion: PLUGIN_VERSION }, scope)),
          Effect.provideContext(httpClient),
          Effect.uninterruptible
        )
      )
    })
  ).pipe(Layer.provide(HttpClientLive))
}))

/** Logs on stderr (stdout carries protocol lines only), at the level `PLEXUM_LOG_LEVEL` names. */
export const LoggingLive = Layer.unwrap(
  Effect.gen(function*() {
    const level = yield* Config.option(Config.String("PLEXUM_LOG_LEVEL")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    return layerStderrLogger(logLevelFromEnv(Option.getOrUndefined(level)))
  })
)
