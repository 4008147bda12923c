/**
 * Test compositions: the real provider, client and auth over a mocked HttpClient (no
 * sockets) and a fixed configuration. A test picks a Layer; nothing is monkey-patched.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpClient, type HttpClientRequest, HttpClientResponse } from "effect/http"
import { BUILTIN_MODELS } from "../minimax/catalog.ts"
import { MinimaxProvider } from "../MinimaxProvider.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { keyKindOf, maskKey } from "../minimax/apiKey.ts"
import { baseUrlOf, type ChainKey, DEFAULTS, type MinimaxConfig, PluginConfig } from "../services/PluginConfig.ts"
import { DEFAULT_REGION_HOSTS } from "../minimax/regions.ts"
import { KeyChain } from "../services/KeyChain.ts"
import { Ledger } from "../services/Ledger.ts"
import { LogOnce } from "../services/LogOnce.ts"
import { SelfHeal } from "../services/SelfHeal.ts"

/** A fixed config; its key chain is its one `apiKey` unless `keys` is given. */
export const testConfig = (overrides: Partial<MinimaxConfig> = {}): MinimaxConfig => {
  const base: Omit<MinimaxConfig, "keys"> = {
    path: "/test/config.json",
    sources: {
      api_key: "file",
      region: "default",
      base_url: "default",
      auth_header: "default",
      request_timeout_ms: "default",
      stream_idle_timeout_ms: "default",
      max_retries: "default",
      repair_markup: "default"
    },
    apiKey: Redacted.make("sk-cp-TESTKEYlayer0123456789abcdef"),
    region: "global",
    baseUrl: baseUrlOf(DEFAULT_REGION_HOSTS.global[0]),
    baseUrlSet: false,
    regionHosts: DEFAULT_REGION_HOSTS,
    ...DEFAULTS,
    models: BUILTIN_MODELS,
    ledgerPath: undefined,
    dailyBudgetUsd: undefined,
    ...overrides
  }
  const secret = Redacted.value(base.apiKey)
  const only: ChainKey = {
    apiKey: base.apiKey,
    label: maskKey(secret),
    masked: maskKey(secret),
    kind: keyKindOf(secret),
    billing: keyKindOf(secret) === "token-plan" ? "plan" : "payg",
    region: base.region,
    baseUrl: base.baseUrl,
    models: undefined
  }
  return { ...base, keys: overrides.keys ?? [only] }
}

export const PluginConfigTest = (config: MinimaxConfig) =>
  Layer.succeed(PluginConfig, PluginConfig.of({
    locate: () => Effect.succeed({ path: config.path, found: true, mode: "0600" }),
    load: () => Effect.succeed(config),
    environmentKey: Option.none()
  }))

/** Answers every request with `respond`'s web Response. */
export const HttpClientMock = (respond: (request: HttpClientRequest.HttpClientRequest) => Response | Promise<Response>) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) => Effect.promise(async () => HttpClientResponse.fromWeb(request, await respond(request))))
  )

/** The provider over a mocked HttpClient and a fixed config. */
export const ProviderTest = (config: MinimaxConfig, http: Layer.Layer<HttpClient.HttpClient>) =>
  MinimaxProvider.layer.pipe(
    Layer.provide(MinimaxClient.layer),
    Layer.provideMerge(SelfHeal.layer),
    Layer.provide([LogOnce.layer, KeyChain.layer, Ledger.layer, http, PluginConfigTest(config)])
  )
