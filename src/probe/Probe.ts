/**
 * `--probe`: what a person runs before asking for help. It resolves the config, describes
 * the key (masked), checks the endpoint, and sends each declared model a minimal streaming
 * request, reading the key-kind × model matrix off live answers. On a 401 with a region's
 * default URL it tries the other region, to tell "wrong region" from "bad key".
 */
import type { ProviderFailure } from "@plexum/sdk"
import { toProviderFailure } from "@plexum/sdk"
import { Clock, Effect, Option, Redacted, Stream } from "effect"
import { HttpClient } from "effect/http"
import { keyKindOf, type KeyKind, maskKey } from "../apiKey.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { type ConfigLocation, type MinimaxConfig, PluginConfig, type Region, REGION_BASE_URLS } from "../services/PluginConfig.ts"
import { streamTurn } from "../turn/streamTurn.ts"

export interface ModelProbe {
  readonly id: string
  readonly ok: boolean
  readonly ttftMs?: number
  readonly failure?: ProviderFailure
}

export interface ProbeReport {
  readonly ok: boolean
  readonly config: {
    readonly path: string
    readonly found: boolean
    readonly mode?: string
    readonly region?: Region
    readonly baseUrl?: string
    readonly authHeader?: string
    /** The effective settings turns run with (the probe's own checks use shorter ones). */
    readonly requestTimeoutMs?: number
    readonly streamIdleTimeoutMs?: number
    readonly maxRetries?: number
    readonly repairMarkup?: boolean
    readonly error?: string
    readonly hint?: string
  }
  readonly key: { readonly present: boolean; readonly kind?: KeyKind; readonly masked?: string }
  readonly endpoint?: { readonly url: string; readonly reachable: boolean; readonly latencyMs?: number; readonly error?: string }
  readonly models: ReadonlyArray<ModelProbe>
  /** Set when a 401 was answered differently by the other region. */
  readonly region?: { readonly checked: Region; readonly verdict: string }
}

/** 0: the first declared model works; 1: a live check failed; 2: config missing or invalid. */
export const exitCodeOf = (report: ProbeReport): 0 | 1 | 2 =>
  report.config.error !== undefined ? 2 : report.models[0]?.ok === true ? 0 : 1

/** What the report says of where config.json is. */
const shownLocation = ({ found, mode, path }: ConfigLocation) => ({ path, found, ...(mode === undefined ? {} : { mode }) })

const PROBE_PROMPT = "Reply with the single word: pong"

/** A person is waiting: no check may take longer than this. */
const PROBE_TIMEOUT_MS = 15_000

export const runProbe = (options: { readonly pluginDir?: string } = {}) =>
  Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const client = yield* MinimaxClient
    const http = yield* HttpClient.HttpClient
    const location = yield* pluginConfig.locate(options.pluginDir)
    const loaded = yield* Effect.result(pluginConfig.load(options.pluginDir))
    if (loaded._tag === "Failure") {
      const envKey = Option.getOrUndefined(pluginConfig.environmentKey)
      const report: ProbeReport = {
        ok: false,
        config: { ...shownLocation(location), error: loaded.failure.message, ...(loaded.failure.hint ? { hint: loaded.failure.hint } : {}) },
        key: envKey ? { present: true, kind: keyKindOf(envKey), masked: maskKey(envKey) } : { present: false },
        models: []
      }
      return report
    }
    const config: MinimaxConfig = {
      ...loaded.success,
      maxRetries: 0,
      requestTimeoutMs: Math.min(loaded.success.requestTimeoutMs, PROBE_TIMEOUT_MS),
      streamIdleTimeoutMs: Math.min(loaded.success.streamIdleTimeoutMs, PROBE_TIMEOUT_MS)
    }
    const key = Redacted.value(config.apiKey)

    const endpointUrl = `${config.baseUrl}/v1/messages`
    const started = yield* Clock.currentTimeMillis
    const reach = yield* http.get(config.baseUrl).pipe(
      Effect.provideService(HttpClient.TracerPropagationEnabled, false),
      Effect.timeout(config.requestTimeoutMs),
      Effect.result
    )
    const endpoint = reach._tag === "Success"
      ? { url: endpointUrl, reachable: true, latencyMs: (yield* Clock.currentTimeMillis) - started }
      : { url: endpointUrl, reachable: false, error: "no HTTP answer (DNS, TLS, firewall or a wrong base_url)" }

    const probeModel = (modelConfig: MinimaxConfig, id: string) =>
      Effect.gen(function*() {
        const request = { model: id, maxTokens: 16, messages: [{ role: "user" as const, content: PROBE_PROMPT }] }
        const start = yield* Clock.currentTimeMillis
        const first = yield* streamTurn(client.forConfig(modelConfig), request).pipe(
          Stream.filter((event) => event.type === "text_delta" || event.type === "thinking_delta" || event.type === "turn_stop"),
          Stream.runHead,
          Effect.result
        )
        return first._tag === "Success"
          ? { id, ok: true, ttftMs: (yield* Clock.currentTimeMillis) - start } satisfies ModelProbe
          : { id, ok: false, failure: toProviderFailure(first.failure) } satisfies ModelProbe
      })

    const models: Array<ModelProbe> = []
    for (const model of config.models) models.push(yield* probeModel(config, model.descriptor.id))

    let region: ProbeReport["region"]
    const firstFailure = models[0]?.failure
    const otherRegion: Region = config.region === "global" ? "cn" : "global"
    if (firstFailure?.tag === "AuthFailed" && config.baseUrl === REGION_BASE_URLS[config.region]) {
      const other = yield* probeModel({ ...config, region: otherRegion, baseUrl: REGION_BASE_URLS[otherRegion] }, models[0]!.id)
      region = {
        checked: otherRegion,
        verdict: other.ok || other.failure?.tag !== "AuthFailed"
          ? `this key belongs to the ${otherRegion} region: set "region": "${otherRegion}" in config.json`
          : "the other region refuses the key too: the key is wrong or expired, or auth_header does not fit the account"
      }
    }

    const report: ProbeReport = {
      ok: models[0]?.ok === true,
      config: {
        ...shownLocation(location),
        region: config.region,
        baseUrl: config.baseUrl,
        authHeader: config.authHeader,
        requestTimeoutMs: loaded.success.requestTimeoutMs,
        streamIdleTimeoutMs: loaded.success.streamIdleTimeoutMs,
        maxRetries: loaded.success.maxRetries,
        repairMarkup: loaded.success.repairMarkup
      },
      key: { present: true, kind: keyKindOf(key), masked: maskKey(key) },
      endpoint,
      models,
      ...(region === undefined ? {} : { region })
    }
    return report
  })
