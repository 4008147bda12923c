/**
 * `--probe`: what a person runs before asking for help. It resolves the config, describes the
 * key (masked), checks the endpoint, reads the Token Plan quota, and sends the chosen models a
 * minimal streaming request (time to first token; the model that really answered). When the
 * key is refused it asks the other region's host and the other header, to say which of wrong
 * region, wrong header or wrong key holds, with the setting to change.
 */
import type { ProviderFailure } from "@plexum/sdk"
import { toProviderFailure } from "@plexum/sdk"
import { Clock, Effect, Option, Redacted, Stream } from "effect"
import { HttpClient } from "effect/http"
import { keyKindOf, type KeyKind, maskKey } from "../minimax/apiKey.ts"
import { descriptorsOf } from "../minimax/catalog.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { type ConfigLocation, type ConfigSources, type MinimaxConfig, PluginConfig } from "../services/PluginConfig.ts"
import { otherRegion, type Region } from "../minimax/regions.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import { authHeaderRule, SelfHeal } from "../services/SelfHeal.ts"
import { runTurn } from "../turn/runTurn.ts"
import { secretScrubber } from "../failures/scrubSecret.ts"
import { askMessages, askQuota, type KeyAnswer, noAnswer, PROBE_TIMEOUT_MS } from "./askUpstream.ts"
import { scrubbedReport } from "./untrusted.ts"
import type { QuotaBucket } from "./quota.ts"

/** The models checked when none are named: the flagship and the Token Plan's model, with its faster sibling. */
export const DEFAULT_PROBE_MODELS = ["MiniMax-M3", "MiniMax-M2.7", "MiniMax-M2.7-highspeed"] as const

export interface ModelProbe {
  readonly id: string
  readonly ok: boolean
  readonly ttftMs?: number
  /** The model `message_start` named, when it is not the one asked for. */
  readonly answeredBy?: string
  readonly failure?: ProviderFailure
  /** Why the model was not asked (the endpoint is unreachable, or the probe's deadline passed). */
  readonly skipped?: string
}

export type QuotaSection =
  | { readonly status: "ok"; readonly host: string; readonly buckets: ReadonlyArray<QuotaBucket> }
  | { readonly status: "none"; readonly reason: string }
  | { readonly status: "unreadable"; readonly host: string; readonly reason: string; readonly code?: number }

export interface AuthDiagnosis {
  readonly verdict: "wrong-region" | "wrong-header" | "wrong-key"
  /** The exact setting to change, e.g. `"region": "cn"`. */
  readonly fix: string
  /** Which host answered what. */
  readonly checks: ReadonlyArray<{ readonly host: string; readonly header: string; readonly question: "messages" | "quota"; readonly answer: KeyAnswer | "unreadable" }>
}

export interface ProbeReport {
  readonly ok: boolean
  /** When the probe ran (epoch ms); quota reset times are relative to it. */
  readonly checkedAt: number
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
    /** Where each setting came from. */
    readonly sources?: ConfigSources
    readonly error?: string
    readonly hint?: string
  }
  readonly key: { readonly present: boolean; readonly kind?: KeyKind; readonly masked?: string }
  readonly endpoint?: { readonly url: string; readonly reachable: boolean; readonly latencyMs?: number; readonly error?: string }
  readonly quota?: QuotaSection
  readonly models: ReadonlyArray<ModelProbe>
  readonly auth?: AuthDiagnosis
  /** A model asked for with --model that neither the catalog nor config.json knows. */
  readonly usageError?: string
  /** What was logged as a warning while the probe ran (a config file others can read, unknown fields). */
  readonly warnings?: ReadonlyArray<string>
}

/** 0: the first checked model works; 1: a live check failed; 2: config or usage error. */
export const exitCodeOf = (report: ProbeReport): 0 | 1 | 2 =>
  report.config.error !== undefined || report.usageError !== undefined ? 2 : report.models[0]?.ok === true ? 0 : 1

export interface ProbeOptions {
  readonly pluginDir?: string
  /** The models to check; "all" for the whole catalog; default DEFAULT_PROBE_MODELS. */
  readonly models?: ReadonlyArray<string> | "all"
  /** Told what the probe is about to ask, as it goes (a person is watching). */
  readonly progress?: (step: string) => Effect.Effect<void>
}

/** The whole probe, however many hosts and models it asks, ends within this. */
export const PROBE_DEADLINE_MS = 20_000

/**
 * A failure as the probe shows it: hints that send the reader to `--probe`, or tell them to
 * raise a timeout the probe caps anyway, say what the probe itself found instead.
 */
const forProbe = (failure: ProviderFailure): ProviderFailure => {
  if (failure.tag === "Timeout") return { ...failure, hint: `The probe waits at most ${PROBE_TIMEOUT_MS / 1000} s: MiniMax, or something between, is not answering in time.` }
  const hint = failure.hint?.split(/(?<=\.)\s+/).filter((sentence) => !sentence.includes("--probe")).join(" ")
  const { hint: _dropped, ...rest } = failure
  return hint === undefined || hint === "" ? rest : { ...rest, hint }
}

/** What the report says of where config.json is. */
const shownLocation = ({ found, mode, path }: ConfigLocation) => ({ path, found, ...(mode === undefined ? {} : { mode }) })

const PROBE_PROMPT = "Reply with the single word: pong"

/** The API host quota and the region check use: the origin of base_url when set, else the region's host. */
const apiHostOf = (config: MinimaxConfig) => config.baseUrlSet ? new URL(config.baseUrl).origin : config.regionHosts[config.region]

export const runProbe = (options: ProbeOptions = {}) =>
  Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const clients = yield* MinimaxClient
    const selfHeal = yield* SelfHeal
    const http = yield* HttpClient.HttpClient
    const progress = options.progress ?? (() => Effect.void)
    const checkedAt = yield* Clock.currentTimeMillis
    const deadlineAt = checkedAt + PROBE_DEADLINE_MS
    const remainingMs = Effect.map(Clock.currentTimeMillis, (now) => Math.max(0, deadlineAt - now))
    const location = yield* pluginConfig.locate(options.pluginDir)
    const loaded = yield* Effect.result(pluginConfig.load(options.pluginDir))
    if (loaded._tag === "Failure") {
      const envKey = Option.getOrUndefined(pluginConfig.environmentKey)
      const report: ProbeReport = {
        ok: false,
        checkedAt,
        config: { ...shownLocation(location), error: loaded.failure.message, ...(loaded.failure.hint ? { hint: loaded.failure.hint } : {}) },
        key: envKey ? { present: true, kind: keyKindOf(envKey), masked: maskKey(envKey) } : { present: false },
        models: []
      }
      return envKey === undefined ? report : scrubbedReport(report, [secretScrubber(envKey)])
    }
    const settings = loaded.success
    const config: MinimaxConfig = {
      ...settings,
      maxRetries: 0,
      requestTimeoutMs: Math.min(settings.requestTimeoutMs, PROBE_TIMEOUT_MS),
      streamIdleTimeoutMs: Math.min(settings.streamIdleTimeoutMs, PROBE_TIMEOUT_MS)
    }
    const keyKind = keyKindOf(unwrapKey(config))
    const shownConfig: ProbeReport["config"] = {
      ...shownLocation(location),
      region: config.region,
      baseUrl: config.baseUrl,
      authHeader: config.authHeader,
      requestTimeoutMs: settings.requestTimeoutMs,
      streamIdleTimeoutMs: settings.streamIdleTimeoutMs,
      maxRetries: settings.maxRetries,
      repairMarkup: settings.repairMarkup,
      sources: settings.sources
    }
    const keySection = { present: true, kind: keyKind, masked: maskKey(unwrapKey(config)) }
    const scrubbed = (report: ProbeReport): ProbeReport => scrubbedReport(report, [secretScrubber(unwrapKey(config))])

    const known = descriptorsOf(config.models).map((m) => m.id)
    const wanted = options.models === "all" ? known : options.models ?? DEFAULT_PROBE_MODELS.filter((id) => known.includes(id))
    const unknown = wanted.filter((id) => !known.includes(id))
    if (unknown.length > 0) {
      const report: ProbeReport = {
        ok: false,
        checkedAt,
        config: shownConfig,
        key: keySection,
        models: [],
        usageError: `--model ${unknown.join(", ")}: not a model the catalog or config.json knows (known: ${known.join(", ")})`
      }
      return scrubbed(report)
    }

    // The endpoint and the quota are asked side by side; each answer, its body included, within its bound.
    const endpointUrl = `${config.baseUrl}/v1/messages`
    const apiHost = apiHostOf(config)
    yield* progress(`asking ${new URL(config.baseUrl).host}${keyKind === "token-plan" ? " and its quota" : ""}…`)
    const [reach, quotaAnswer] = yield* Effect.all([
      http.get(config.baseUrl).pipe(
        Effect.provideService(HttpClient.TracerPropagationEnabled, false),
        Effect.timeoutOption(config.requestTimeoutMs),
        Effect.scoped,
        Effect.result
      ),
      keyKind === "token-plan" ? Effect.asSome(askQuota(http, apiHost, config.apiKey, checkedAt, config.requestTimeoutMs)) : Effect.succeedNone
    ], { concurrency: "unbounded" })
    const endpoint = reach._tag === "Failure"
      ? { url: endpointUrl, reachable: false, error: noAnswer(reach.failure) }
      : Option.isNone(reach.success)
      ? { url: endpointUrl, reachable: false, error: `no answer within ${config.requestTimeoutMs / 1000} s (the host accepts connections but does not answer)` }
      : { url: endpointUrl, reachable: true, latencyMs: (yield* Clock.currentTimeMillis) - checkedAt }

    const quota: QuotaSection = keyKind === "pay-per-token"
      ? { status: "none", reason: "pay-as-you-go (sk-api-) keys have no plan quota" }
      : Option.isNone(quotaAnswer)
      ? { status: "none", reason: "not a Token Plan (sk-cp-) key; no plan quota to read" }
      : quotaAnswer.value.reading?._tag === "Buckets"
      ? { status: "ok", host: apiHost, buckets: quotaAnswer.value.reading.buckets }
      : quotaAnswer.value.reading?._tag === "Refused"
      ? { status: "unreadable", host: apiHost, reason: `MiniMax refused the quota request: ${quotaAnswer.value.reading.message}`, code: quotaAnswer.value.reading.code }
      : {
        status: "unreadable",
        host: apiHost,
        reason: quotaAnswer.value.reading?._tag === "Unreadable" ? quotaAnswer.value.reading.reason : quotaAnswer.value.why ?? "no answer from the host"
      }

    const api = clients.forConfig(config)
    const probeModel = (id: string, boundMs: number) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        let answeredBy: string | undefined
        const first = yield* Stream.unwrap(runTurn(api, { model: id, maxTokens: 16, messages: [{ role: "user", content: PROBE_PROMPT }] })).pipe(
          Stream.tap((event) => Effect.sync(() => void (event.type === "turn_start" && event.model !== id ? (answeredBy = event.model) : undefined))),
          Stream.filter((event) => event.type === "text_delta" || event.type === "thinking_delta" || event.type === "turn_stop"),
          Stream.runHead,
          Effect.timeoutOption(boundMs),
          Effect.result
        )
        if (first._tag === "Failure") return { id, ok: false, failure: forProbe(toProviderFailure(first.failure)) } satisfies ModelProbe
        if (Option.isNone(first.success)) return { id, ok: false, skipped: `no answer before the probe's ${PROBE_DEADLINE_MS / 1000} s deadline` } satisfies ModelProbe
        const ttftMs = (yield* Clock.currentTimeMillis) - started
        return { id, ok: true, ttftMs, ...(answeredBy === undefined ? {} : { answeredBy }) } satisfies ModelProbe
      })
    const models: Array<ModelProbe> = []
    for (const id of wanted) {
      const left = yield* remainingMs
      if (!endpoint.reachable) models.push({ id, ok: false, skipped: "not asked: the endpoint is unreachable" })
      else if (left === 0) models.push({ id, ok: false, skipped: `not asked: the probe's ${PROBE_DEADLINE_MS / 1000} s deadline passed` })
      else {
        yield* progress(`asking ${id}…`)
        models.push(yield* probeModel(id, left))
      }
    }

    const healedHeader = yield* selfHeal.learned(authHeaderRule, unwrapKey(config), config.authHeader)
    const refusedByMessages = models[0]?.failure?.tag === "AuthFailed"
    const refusedByQuota = Option.isSome(quotaAnswer) && quotaAnswer.value.answer === "refused"
    const auth: AuthDiagnosis | undefined = healedHeader !== undefined
      ? { verdict: "wrong-header", fix: `"auth_header": "${healedHeader}"`, checks: [{ host: apiHost, header: healedHeader, question: "messages", answer: "accepted" }] }
      : refusedByMessages || refusedByQuota
      ? yield* progress("asking the other region and header…").pipe(
        Effect.andThen(diagnose(http, config, refusedByMessages ? "messages" : "quota", wanted[0] ?? "MiniMax-M2.7", checkedAt, remainingMs))
      )
      : undefined

    const report: ProbeReport = {
      ok: models[0]?.ok === true,
      checkedAt,
      config: shownConfig,
      key: keySection,
      endpoint,
      quota,
      models,
      ...(auth === undefined ? {} : { auth })
    }
    return scrubbed(report)
  })

const unwrapKey = (config: MinimaxConfig): string => Redacted.value(config.apiKey)

/**
 * The key was refused: is it the other region's, does this host want the other header, or is
 * the key wrong? The same question goes to the other region's host, then to this host with
 * the other header.
 */
const diagnose = (
  http: HttpClient.HttpClient,
  config: MinimaxConfig,
  question: "messages" | "quota",
  model: string,
  nowMs: number,
  remainingMs: Effect.Effect<number>
) =>
  Effect.gen(function*() {
    const other = otherRegion(config.region)
    const otherHost = config.regionHosts[other]
    const questionBound = Effect.map(remainingMs, (left) => Math.min(left, config.requestTimeoutMs))
    const ask = (host: string, header: AuthHeader) =>
      Effect.flatMap(questionBound, (boundMs) =>
        question === "quota"
          ? Effect.map(askQuota(http, host, config.apiKey, nowMs, boundMs), (answer) => answer.answer)
          : askMessages(http, `${host}/anthropic`, config.apiKey, header, model, boundMs))
    const checks: Array<AuthDiagnosis["checks"][number]> = []
    const inOtherRegion = yield* ask(otherHost, config.authHeader)
    checks.push({ host: otherHost, header: config.authHeader, question, answer: inOtherRegion })
    if (inOtherRegion === "accepted") {
      const fix = config.baseUrlSet ? `"region": "${other}", and base_url on ${otherHost}` : `"region": "${other}"`
      return { verdict: "wrong-region", fix, checks } satisfies AuthDiagnosis
    }
    const otherHeader = config.authHeader === "x-api-key" ? "bearer" : "x-api-key"
    if (question === "messages" && config.authHeader !== "both") {
      const withOtherHeader = yield* Effect.flatMap(questionBound, (boundMs) => askMessages(http, config.baseUrl, config.apiKey, otherHeader, model, boundMs))
      checks.push({ host: new URL(config.baseUrl).origin, header: otherHeader, question, answer: withOtherHeader })
      if (withOtherHeader === "accepted") return { verdict: "wrong-header", fix: `"auth_header": "${otherHeader}"`, checks } satisfies AuthDiagnosis
    }
    return { verdict: "wrong-key", fix: "api_key: the key is wrong or expired; copy it again from MiniMax's console", checks } satisfies AuthDiagnosis
  })
