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
import { HttpClient, HttpClientRequest } from "effect/http"
import { keyKindOf, type KeyKind, maskKey } from "../minimax/apiKey.ts"
import { descriptorsOf } from "../minimax/catalog.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { baseUrlOf, type ChainKey, type ConfigLocation, configOfKey, type ConfigSources, type MinimaxConfig, PluginConfig } from "../services/PluginConfig.ts"
import { KeyChain } from "../services/KeyChain.ts"
import { localTime } from "../localTime.ts"
import { otherRegion, type Region } from "../minimax/regions.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import { authHeaderRule, SelfHeal } from "../services/SelfHeal.ts"
import { runTurn, type TurnKeys } from "../turn/runTurn.ts"
import { secretScrubber } from "../failures/scrubSecret.ts"
import { askQuota, type KeyAnswer, noAnswer, PROBE_TIMEOUT_MS, type QuotaAnswer, sendUntraced } from "../services/planQuota.ts"
import { askMessages } from "./askUpstream.ts"
import { scrubbedReport } from "./untrusted.ts"
import type { QuotaBucket } from "../minimax/quota.ts"

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

/** One key of the chain, as the probe found it. */
export interface KeyProbe {
  readonly label: string
  readonly masked: string
  readonly kind: KeyKind
  readonly billing: "plan" | "payg"
  readonly region: Region
  /** "ok", "cooling until …: why", or "disabled: why, until config.json changes", after the probe's own turns. */
  readonly state: string
  readonly quota: QuotaSection
  readonly models: ReadonlyArray<ModelProbe>
  readonly auth?: AuthDiagnosis
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
  readonly endpoint?: {
    readonly url: string
    readonly reachable: boolean
    readonly latencyMs?: number
    readonly error?: string
    /** The region's later hosts, asked when the first did not answer, and which answered. */
    readonly otherHosts?: ReadonlyArray<{ readonly host: string; readonly reachable: boolean }>
    readonly hint?: string
  }
  readonly quota?: QuotaSection
  readonly models: ReadonlyArray<ModelProbe>
  readonly auth?: AuthDiagnosis
  /** A model asked for with --model that neither the catalog nor config.json knows. */
  readonly usageError?: string
  /** MiniMax's own model list against the catalog: neither difference is an error. */
  readonly modelList?:
    | { readonly status: "ok"; readonly notInCatalog: ReadonlyArray<string>; readonly notListed: ReadonlyArray<string> }
    | { readonly status: "unreadable"; readonly reason: string }
  /** Every key, when the chain has more than one (`key`, `quota`, `models` and `auth` are the first's). */
  readonly chain?: ReadonlyArray<KeyProbe>
  /** What was logged as a warning while the probe ran (a config file others can read, unknown fields). */
  readonly warnings?: ReadonlyArray<string>
}

/** 0: some key serves the first checked model; 1: a live check failed; 2: config or usage error. */
export const exitCodeOf = (report: ProbeReport): 0 | 1 | 2 =>
  report.config.error !== undefined || report.usageError !== undefined ? 2 : report.ok ? 0 : 1

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

export const runProbe = (options: ProbeOptions = {}) =>
  Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const clients = yield* MinimaxClient
    const selfHeal = yield* SelfHeal
    const http = yield* HttpClient.HttpClient
    const keyChain = yield* KeyChain
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
    const scrubbed = (report: ProbeReport): ProbeReport => scrubbedReport(report, config.keys.map((key) => secretScrubber(Redacted.value(key.apiKey))))

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

    // The endpoint and the first key's quota are asked side by side; each answer, its body included, within its bound.
    const endpointUrl = `${config.baseUrl}/v1/messages`
    yield* progress(`asking ${new URL(config.baseUrl).host}${keyKind === "token-plan" ? " and its quota" : ""}…`)
    /** Whether `url` answers at all (any status) within `boundMs`: Some when it did, a failure when the network said no. */
    const answersWithin = (url: string, boundMs: number) =>
      sendUntraced(http, HttpClientRequest.get(url)).pipe(Effect.timeoutOption(boundMs), Effect.scoped, Effect.result)
    const [reach, firstQuota] = yield* Effect.all([
      answersWithin(config.baseUrl, config.requestTimeoutMs),
      askKeyQuota(http, config, config.keys[0]!, checkedAt)
    ], { concurrency: "unbounded" })
    const firstEndpoint: NonNullable<ProbeReport["endpoint"]> = reach._tag === "Failure"
      ? { url: endpointUrl, reachable: false, error: noAnswer(reach.failure) }
      : Option.isNone(reach.success)
      ? { url: endpointUrl, reachable: false, error: `no answer within ${config.requestTimeoutMs / 1000} s (the host accepts connections but does not answer)` }
      : { url: endpointUrl, reachable: true, latencyMs: (yield* Clock.currentTimeMillis) - checkedAt }
    const endpoint = firstEndpoint.reachable || config.baseUrlSet ? firstEndpoint : yield* askLaterHosts(firstEndpoint)

    /** The first host of the region did not answer: do its later hosts (China's api.minimax.cn)? */
    function askLaterHosts(first: NonNullable<ProbeReport["endpoint"]>) {
      return Effect.gen(function*() {
        const later = config.regionHosts[config.region].slice(1)
        if (later.length === 0) return first
        const otherHosts = yield* Effect.forEach(later, (host) =>
          Effect.flatMap(remainingMs, (left) =>
            Effect.map(answersWithin(baseUrlOf(host), Math.min(left, config.requestTimeoutMs)), (answer) => ({
              host,
              reachable: answer._tag === "Success" && Option.isSome(answer.success)
            }))), { concurrency: "unbounded" })
        const answering = otherHosts.find((each) => each.reachable)
        return {
          ...first,
          otherHosts,
          ...(answering === undefined ? {} : { hint: `${answering.host} answers: put it first in region_hosts.${config.region} in config.json` })
        }
      })
    }

    const probeModel = (turnKeys: TurnKeys, id: string, boundMs: number) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        let answeredBy: string | undefined
        const first = yield* Stream.unwrap(runTurn(turnKeys, { model: id, maxTokens: 16, messages: [{ role: "user", content: PROBE_PROMPT }] })).pipe(
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

    /** One key of the chain: its quota, the checked models it serves (each a real one-token turn), and why it is refused. */
    const probeKey = (key: ChainKey, quota: Option.Option<QuotaAnswer>) =>
      Effect.gen(function*() {
        const keyConfig = configOfKey(config, key)
        const turnKeys: TurnKeys = { config: keyConfig, keys: [{ key, client: clients.forConfig(keyConfig) }] }
        const apiHost = new URL(keyConfig.baseUrl).origin
        const models: Array<ModelProbe> = []
        for (const id of wanted) {
          const left = yield* remainingMs
          if (!endpoint.reachable) models.push({ id, ok: false, skipped: "not asked: the endpoint is unreachable" })
          else if (key.models !== undefined && !key.models.includes(id)) models.push({ id, ok: false, skipped: "not asked: not in this key's models" })
          else if (left === 0) models.push({ id, ok: false, skipped: `not asked: the probe's ${PROBE_DEADLINE_MS / 1000} s deadline passed` })
          else {
            yield* progress(`asking ${id}${config.keys.length > 1 ? ` with ${key.label}` : ""}…`)
            models.push(yield* probeModel(turnKeys, id, left))
          }
        }
        const secret = Redacted.value(key.apiKey)
        const healedHeader = yield* selfHeal.learned(authHeaderRule, secret, config.authHeader)
        const refusedByMessages = models.find((model) => model.failure !== undefined)?.failure?.tag === "AuthFailed"
        const refusedByQuota = Option.isSome(quota) && quota.value.answer === "refused"
        const auth: AuthDiagnosis | undefined = healedHeader !== undefined
          ? { verdict: "wrong-header", fix: `"auth_header": "${healedHeader}"`, checks: [{ host: apiHost, header: healedHeader, question: "messages", answer: "accepted" }] }
          : refusedByMessages || refusedByQuota
          ? yield* progress("asking the other region and header…").pipe(
            Effect.andThen(diagnose(http, keyConfig, refusedByMessages ? "messages" : "quota", wanted[0] ?? "MiniMax-M2.7", checkedAt, remainingMs))
          )
          : undefined
        const out = (yield* Effect.forEach(wanted, (id) => Effect.sync(() => keyChain.outFor(secret, id, checkedAt)))).find((o) => o !== undefined)
        const state = out === undefined
          ? "ok"
          : out.untilConfigChange
          ? `disabled: ${out.why}, until config.json changes`
          : Number.isFinite(out.until)
          ? `cooling until ${localTime(out.until)}: ${out.why}`
          : `out for a model: ${out.why}`
        return {
          label: key.label,
          masked: key.masked,
          kind: key.kind,
          billing: key.billing,
          region: key.region,
          state,
          quota: quotaSection(key, apiHost, quota),
          models,
          ...(auth === undefined ? {} : { auth })
        } satisfies KeyProbe
      })

    const modelList: ProbeReport["modelList"] = endpoint.reachable
      ? yield* progress("reading MiniMax's model list…").pipe(
        Effect.andThen(remainingMs),
        Effect.flatMap((left) => clients.forConfig(config).listModels.pipe(Effect.timeoutOption(left), Effect.result)),
        Effect.map((listed): NonNullable<ProbeReport["modelList"]> => {
          if (listed._tag === "Failure") return { status: "unreadable", reason: listed.failure.message }
          if (Option.isNone(listed.success)) return { status: "unreadable", reason: `no answer before the probe's ${PROBE_DEADLINE_MS / 1000} s deadline` }
          const ids = new Set(listed.success.value.map((model) => model.id))
          return { status: "ok", notInCatalog: [...ids].filter((id) => !known.includes(id)), notListed: known.filter((id) => !ids.has(id)) }
        })
      )
      : undefined

    const keys: Array<KeyProbe> = [yield* probeKey(config.keys[0]!, firstQuota)]
    for (const key of config.keys.slice(1)) {
      const quota = endpoint.reachable ? yield* askKeyQuota(http, config, key, checkedAt) : Option.none()
      keys.push(yield* probeKey(key, quota))
    }
    const [first] = keys as [KeyProbe, ...Array<KeyProbe>]
    const report: ProbeReport = {
      // Some key serves the first checked model: the chain works.
      ok: keys.some((key) => key.models[0]?.ok === true),
      checkedAt,
      config: shownConfig,
      key: keySection,
      endpoint,
      quota: first.quota,
      models: first.models,
      ...(first.auth === undefined ? {} : { auth: first.auth }),
      ...(modelList === undefined ? {} : { modelList }),
      ...(keys.length > 1 ? { chain: keys } : {})
    }
    return scrubbed(report)
  })

/** A key's plan quota, asked when the key bills to a plan or is a Token Plan key. */
const askKeyQuota = (http: HttpClient.HttpClient, config: MinimaxConfig, key: ChainKey, nowMs: number): Effect.Effect<Option.Option<QuotaAnswer>> =>
  key.billing === "plan" || key.kind === "token-plan"
    ? Effect.asSome(askQuota(http, new URL(configOfKey(config, key).baseUrl).origin, key.apiKey, nowMs, config.requestTimeoutMs))
    : Effect.succeedNone

const quotaSection = (key: ChainKey, host: string, answer: Option.Option<QuotaAnswer>): QuotaSection =>
  Option.isNone(answer)
    ? { status: "none", reason: key.kind === "pay-per-token" ? "pay-as-you-go (sk-api-) keys have no plan quota" : "not a plan key; no plan quota to read" }
    : answer.value.reading?._tag === "Buckets"
    ? { status: "ok", host, buckets: answer.value.reading.buckets }
    : answer.value.reading?._tag === "Refused"
    ? { status: "unreadable", host, reason: `MiniMax refused the quota request: ${answer.value.reading.message}`, code: answer.value.reading.code }
    : { status: "unreadable", host, reason: answer.value.reading?._tag === "Unreadable" ? answer.value.reading.reason : answer.value.why ?? "no answer from the host" }

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
    const otherHosts = config.regionHosts[other]
    const questionBound = Effect.map(remainingMs, (left) => Math.min(left, config.requestTimeoutMs))
    const ask = (host: string, header: AuthHeader) =>
      Effect.flatMap(questionBound, (boundMs) =>
        question === "quota"
          ? Effect.map(askQuota(http, host, config.apiKey, nowMs, boundMs), (answer) => answer.answer)
          : askMessages(http, `${host}/anthropic`, config.apiKey, header, model, boundMs))
    const checks: Array<AuthDiagnosis["checks"][number]> = []
    // Each host of the other region's list, in order: the first that accepts the key says which region it is.
    for (const [position, otherHost] of otherHosts.entries()) {
      const inOtherRegion = yield* ask(otherHost, config.authHeader)
      checks.push({ host: otherHost, header: config.authHeader, question, answer: inOtherRegion })
      if (inOtherRegion === "refused") break
      if (inOtherRegion !== "accepted") continue
      const first = position === 0 ? "" : `, and put ${otherHost} first in region_hosts.${other} (the hosts before it did not answer)`
      const fix = config.baseUrlSet ? `"region": "${other}", and base_url on ${otherHost}${first}` : `"region": "${other}"${first}`
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
