/**
 * The plugin's configuration: `config.json` in the host's `pluginDir`, else in
 * `$PLEXUM_HOME/plugins/plexum-minimax-provider/`, overridden by `MINIMAX_API_KEY`,
 * `MINIMAX_REGION` and `MINIMAX_BASE_URL`. Every problem is a ConfigInvalid naming the file
 * (or variable) and the field; no message ever contains the key.
 */
import { homedir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { ModelDescriptor } from "@plexum/sdk"
import { Config, Context, Effect, FileSystem, Layer, Option, Redacted, Schema, SchemaIssue } from "effect"
import { type Catalog, Effort, Family, mergeCatalog, type ModelPrice } from "../minimax/catalog.ts"
import { unsendableCharacterOf } from "../minimax/apiKey.ts"
import { ConfigInvalid } from "../failures/MinimaxFailure.ts"
import { secretScrubber } from "../failures/scrubSecret.ts"
import { jsonErrorOffset } from "./jsonErrorOffset.ts"
import { PLUGIN_ID } from "../pluginIdentity.ts"
import { AuthHeader, keyKindOf, type KeyKind, maskKey } from "../minimax/apiKey.ts"
import { DEFAULT_REGION_HOSTS, type Hosts, Region } from "../minimax/regions.ts"

/** config.json is read only when it is a regular file of at most this size, within CONFIG_READ_TIMEOUT_MS. */
export const MAX_CONFIG_BYTES = 1024 * 1024
export const CONFIG_READ_TIMEOUT_MS = 2_000

/** The Messages base under a region's API host. */
export const baseUrlOf = (host: string): string => `${host}/anthropic`

export const DEFAULTS = {
  maxTokensDefault: 4096,
  authHeader: "bearer" as AuthHeader,
  requestTimeoutMs: 60_000,
  // Minutes of silence mid-stream are real (240 s inside a tool call, §7); Hermes raised its minimum to 300 s.
  streamIdleTimeoutMs: 300_000,
  maxRetries: 2,
  repairMarkup: true,
  ledgerRetentionDays: 400
}

/** Where a setting's value came from: config.json, a MINIMAX_* variable, or the default. */
export type SettingSource = "file" | "env" | "default"

/** The settings `--probe` shows, each with where it came from. */
export type ConfigSources = Readonly<Record<"api_key" | "region" | "base_url" | "auth_header" | "request_timeout_ms" | "stream_idle_timeout_ms" | "max_retries" | "repair_markup", SettingSource>>

/** Who pays for a key's turns: its plan's quota, or the account's balance. */
export const Billing = Schema.Literals(["plan", "payg"])
export type Billing = typeof Billing.Type

/** One key of the chain, as turns use it. Its label and masked form are all any message shows. */
export interface ChainKey {
  readonly apiKey: Redacted.Redacted<string>
  /** config.json's `label`, else the masked key. */
  readonly label: string
  readonly masked: string
  readonly kind: KeyKind
  readonly billing: Billing
  readonly region: Region
  /** Where its Messages requests go: base_url, else its region host's `/anthropic`. */
  readonly baseUrl: string
  /** The only models the key is tried for; undefined: every model. */
  readonly models: ReadonlyArray<string> | undefined
}

/** The configuration a turn runs with. */
export interface MinimaxConfig {
  readonly sources: ConfigSources
  /** The key chain, in the order keys are tried; `apiKey`, `region` and `baseUrl` are its first key's. */
  readonly keys: ReadonlyArray<ChainKey>
  readonly path: string
  readonly apiKey: Redacted.Redacted<string>
  readonly region: Region
  /** Normalised: no trailing `/` and no trailing `/v1`. */
  readonly baseUrl: string
  /** base_url was set (file or environment); else it is the region host's `/anthropic`. */
  readonly baseUrlSet: boolean
  /** The two regions' API hosts (DEFAULT_REGION_HOSTS, or config.json's `region_hosts`). */
  readonly regionHosts: Hosts
  readonly maxTokensDefault: number
  readonly authHeader: AuthHeader
  readonly requestTimeoutMs: number
  readonly streamIdleTimeoutMs: number
  readonly maxRetries: number
  /** Tool calls MiniMax writes as XML text become tool_use blocks; a leading <think> becomes thinking. */
  readonly repairMarkup: boolean
  /** The usage ledger's file (SQLite), or undefined when `ledger` is false. */
  readonly ledgerPath: string | undefined
  readonly ledgerRetentionDays: number
  /** Pay-as-you-go spend allowed per local day (USD), or undefined for none. */
  readonly dailyBudgetUsd: number | undefined
  readonly models: Catalog
}

/** Where the file is looked for and what was found there, for `--probe`. */
export interface ConfigLocation {
  readonly path: string
  readonly found: boolean
  /** e.g. "0600"; absent when the file is missing. */
  readonly mode?: string
  /** What the path is when it is not a regular file (a FIFO, a device, a directory). */
  readonly notAFile?: string
  readonly size?: number
  /** When the file last changed (epoch ms): a turn reloads a config whose file changed. */
  readonly mtimeMs?: number
}

/** The config as one key of its chain sends: that key, its region and its base URL. */
export const configOfKey = (config: MinimaxConfig, key: ChainKey): MinimaxConfig => ({
  ...config,
  apiKey: key.apiKey,
  region: key.region,
  baseUrl: key.baseUrl
})

const positiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const dollarsPerMillion = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))

/** A model's pay-as-you-go price in config.json (USD per million tokens), as the catalog's. */
const PriceSchema = Schema.Struct({
  input: dollarsPerMillion,
  output: dollarsPerMillion,
  cache_read: dollarsPerMillion,
  cache_write: Schema.optionalKey(dollarsPerMillion),
  long_context: Schema.optionalKey(Schema.Struct({ above: positiveInt, input: dollarsPerMillion, output: dollarsPerMillion, cache_read: dollarsPerMillion }))
})

const ConfigFile = Schema.Struct({
  api_key: Schema.optionalKey(Schema.String),
  api_keys: Schema.optionalKey(Schema.Array(Schema.Struct({
    key: Schema.String,
    label: Schema.optionalKey(Schema.String),
    region: Schema.optionalKey(Region),
    models: Schema.optionalKey(Schema.Array(Schema.String)),
    billing: Schema.optionalKey(Billing)
  }))),
  region: Schema.optionalKey(Region),
  base_url: Schema.optionalKey(Schema.String),
  region_hosts: Schema.optionalKey(Schema.Struct({
    global: Schema.optionalKey(Schema.Union([Schema.String, Schema.Array(Schema.String).check(Schema.isMinLength(1))])),
    cn: Schema.optionalKey(Schema.Union([Schema.String, Schema.Array(Schema.String).check(Schema.isMinLength(1))]))
  })),
  max_tokens_default: Schema.optionalKey(positiveInt),
  auth_header: Schema.optionalKey(AuthHeader),
  request_timeout_ms: Schema.optionalKey(positiveInt),
  stream_idle_timeout_ms: Schema.optionalKey(positiveInt),
  max_retries: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10 }))),
  repair_markup: Schema.optionalKey(Schema.Boolean),
  ledger: Schema.optionalKey(Schema.Boolean),
  ledger_path: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  ledger_retention_days: Schema.optionalKey(positiveInt),
  daily_budget_usd: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  models: Schema.optionalKey(Schema.Array(Schema.Struct({ ...ModelDescriptor.fields, family: Schema.optionalKey(Family),
    price: Schema.optionalKey(PriceSchema),
    effort: Schema.optionalKey(Effort)
  })))
})
type ConfigFile = typeof ConfigFile.Type
const KNOWN_FIELDS = new Set(Object.keys(ConfigFile.fields))

const decodeConfigFile = Schema.decodeUnknownResult(ConfigFile)
const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i
const looksLikeKey = (value: string) => /^sk-[a-z]+-/i.test(value.trim())

/** A base URL the plugin can append `/v1/messages` to, or why not. The value is never echoed. */
export const normaliseBaseUrl = (raw: string): { readonly ok: true; readonly url: string } | { readonly ok: false; readonly why: string } => {
  if (looksLikeKey(raw)) return { ok: false, why: "looks like an API key; put the key in api_key and a URL here" }
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return { ok: false, why: "is not a URL (expected e.g. https://api.minimax.io/anthropic)" }
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, why: "must be an https:// URL" }
  if (url.protocol === "http:" && !LOOPBACK_HOST.test(url.hostname)) {
    return { ok: false, why: "uses plain http:// for a host that is not loopback; use https:// so the key is not sent in clear" }
  }
  if (url.username !== "" || url.password !== "") return { ok: false, why: "must not carry credentials; put the key in api_key" }
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(raw)) {
    return { ok: false, why: "must not have a query (?…) or fragment (#…): the plugin appends /v1/messages to its path" }
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "").replace(/\/+$/, "")
  return { ok: true, url: `${url.origin}${path}` }
}

const priceOf = (price: typeof PriceSchema.Type): ModelPrice => ({
  input: price.input,
  output: price.output,
  cacheRead: price.cache_read,
  ...(price.cache_write === undefined ? {} : { cacheWrite: price.cache_write }),
  ...(price.long_context === undefined ? {} : { longContext: { above: price.long_context.above, input: price.long_context.input, output: price.long_context.output, cacheRead: price.long_context.cache_read } })
})

/** " at line L, column C" of the first place `text` stops being JSON. */
const whereInvalid = (text: string): string => {
  const at = jsonErrorOffset(text)
  if (at === undefined) return ""
  const before = text.slice(0, at)
  return ` at line ${before.split("\n").length}, column ${at - before.lastIndexOf("\n")}`
}

export class PluginConfig extends Context.Service<PluginConfig, {
  /** Where config.json is for this pluginDir (or the default). */
  readonly locate: (pluginDir?: string) => Effect.Effect<ConfigLocation>
  /** Reads, validates and merges file and environment. */
  readonly load: (pluginDir?: string) => Effect.Effect<MinimaxConfig, ConfigInvalid>
  /** MINIMAX_API_KEY, trimmed, when it is set (the probe describes it even when the file is broken). */
  readonly environmentKey: Option.Option<string>
}>()("plexum-minimax-provider/PluginConfig") {
  static readonly make = Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const env = yield* Effect.all({
      plexumHome: Config.option(Config.String("PLEXUM_HOME")),
      home: Config.option(Config.String("HOME")),
      apiKey: Config.option(Config.String("MINIMAX_API_KEY")),
      region: Config.option(Config.String("MINIMAX_REGION")),
      baseUrl: Config.option(Config.String("MINIMAX_BASE_URL"))
    }).pipe(Effect.orDie)
    const nonEmpty = (value: Option.Option<string>) => Option.filter(value, (v) => v.trim() !== "")
    const plexumHome = Option.getOrElse(nonEmpty(env.plexumHome), () => join(Option.getOrElse(nonEmpty(env.home), homedir), ".plexum"))
    const warnedModes = new Set<string>()

    const pathFor = (pluginDir?: string) => join(pluginDir ?? join(plexumHome, "plugins", PLUGIN_ID), "config.json")

    const locate = (pluginDir?: string) => {
      const path = pathFor(pluginDir)
      return fs.stat(path).pipe(
        Effect.map((info): ConfigLocation => ({
          path,
          found: true,
          mode: (info.mode & 0o777).toString(8).padStart(4, "0"),
          ...(info.type === "File" ? {} : { notAFile: info.type }),
          size: Number(info.size),
          ...(Option.isSome(info.mtime) ? { mtimeMs: info.mtime.value.getTime() } : {})
        })),
        Effect.orElseSucceed((): ConfigLocation => ({ path, found: false }))
      )
    }

    const invalid = (message: string, hint?: string) =>
      new ConfigInvalid({
        message,
        retryable: false,
        hint: hint ?? "Fix the field named in the message; see the README's configuration table."
      })

    const readFile = (location: ConfigLocation): Effect.Effect<ConfigFile | undefined, ConfigInvalid> => {
      const { path } = location
      if (!location.found) return Effect.succeed(undefined)
      return Effect.gen(function*() {
        if (location.mode !== undefined && (parseInt(location.mode, 8) & 0o077) !== 0 && !warnedModes.has(path)) {
          warnedModes.add(path)
          yield* Effect.logWarning(`${path} can be read by group or others (mode ${location.mode}); run: chmod 600 ${path}`)
        }
        if (location.notAFile !== undefined) {
          return yield* invalid(`${path} is not a regular file (it is a ${location.notAFile})`, `Make ${path} a plain JSON file.`)
        }
        if ((location.size ?? 0) > MAX_CONFIG_BYTES) {
          return yield* invalid(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`, `config.json holds a few settings; check that ${path} is the right file.`)
        }
        const unreadable = invalid(`${path} could not be read`, `Check that the file is readable by this user: ls -l ${path}`)
        const text = yield* fs.readFileString(path).pipe(
          Effect.mapError(() => unreadable),
          Effect.timeoutOrElse({ duration: CONFIG_READ_TIMEOUT_MS, orElse: () => Effect.fail(unreadable) })
        )
        if (text.length > MAX_CONFIG_BYTES) {
          return yield* invalid(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`, `config.json holds a few settings; check that ${path} is the right file.`)
        }
        let json: unknown
        try {
          json = JSON.parse(text.replace(/^\uFEFF/, ""))
        } catch {
          return yield* invalid(`${path} is not valid JSON${whereInvalid(text)}`, "Fix the JSON at that place; the rest of the file can stay as it is.")
        }
        if (typeof json !== "object" || json === null || Array.isArray(json)) {
          return yield* invalid(`${path} must hold a JSON object`, `Write it as a JSON object, e.g. {"api_key": "sk-cp-…", "region": "global"}`)
        }
        const unknown = Object.keys(json).filter((key) => !KNOWN_FIELDS.has(key))
        if (unknown.length > 0) yield* Effect.logWarning(`${path}: unknown field(s) ignored: ${unknown.join(", ")}`)
        const decoded = decodeConfigFile(json, { errors: "all" })
        if (decoded._tag === "Failure") {
          const problems = formatIssues(decoded.failure.issue).issues.map((issue) =>
            `field ${(issue.path ?? []).map((p) => typeof p === "object" ? String(p.key) : String(p)).join(".") || "(root)"}: ${issue.message}`
          )
          return yield* invalid(`${path} is invalid: ${problems.join("; ")}`)
        }
        return decoded.success
      })
    }

    const load = (pluginDir?: string) =>
      Effect.gen(function*() {
        const location = yield* locate(pluginDir)
        const { path } = location
        const file = (yield* readFile(location)) ?? {}

        // The chain: MINIMAX_API_KEY alone when set, else api_keys, else api_key (a chain of one).
        const envKey = nonEmpty(env.apiKey)
        if (Option.isNone(envKey) && file.api_key !== undefined && file.api_keys !== undefined) {
          return yield* invalid(`${path} has both api_key and api_keys`, "Keep one: api_keys lists every key in the order to try them; api_key is a chain of one.")
        }
        const entries: ReadonlyArray<{ readonly raw: string; readonly source: string; readonly entry?: NonNullable<ConfigFile["api_keys"]>[number] }> =
          Option.isSome(envKey)
            ? [{ raw: envKey.value, source: "MINIMAX_API_KEY" }]
            : file.api_keys !== undefined
            ? file.api_keys.map((entry, i) => ({ raw: entry.key, source: `${path} field api_keys[${i}].key`, entry }))
            : file.api_key === undefined ? [] : [{ raw: file.api_key, source: `${path} field api_key` }]
        if (entries.length === 0 || entries.every(({ raw }) => raw.trim() === "")) {
          return yield* invalid(
            location.found ? `${path} has no api_key` : `No config.json at ${path}, and MINIMAX_API_KEY is not set`,
            `Create ${path} (chmod 600) with {"api_key": "sk-cp-… or sk-api-…", "region": "global"}, or set MINIMAX_API_KEY.`
          )
        }
        const keys: Array<string> = []
        for (const { raw, source } of entries) {
          const key = raw.trim()
          if (key === "") return yield* invalid(`${source} is empty`)
          if (/^https?:\/\//i.test(key)) {
            return yield* invalid(`${source} does not look like an API key (it holds a URL)`)
          }
          const unsendable = unsendableCharacterOf(key)
          if (unsendable !== undefined) {
            return yield* invalid(
              `${source} holds a character an HTTP header cannot carry: ${unsendable}`,
              "Retype the key, or copy it again from MiniMax's console; keys are plain ASCII. Invisible characters often come with a copy from a web page."
            )
          }
          const repeated = keys.indexOf(key)
          if (repeated >= 0) return yield* invalid(`${source} repeats the key of api_keys[${repeated}]`, "List each key once.")
          keys.push(key)
        }
        const key = keys[0]!

        const envRegion = nonEmpty(env.region)
        let region: Region = file.region ?? "global"
        if (Option.isSome(envRegion)) {
          const value = envRegion.value.trim().toLowerCase()
          if (value !== "global" && value !== "cn") return yield* invalid(`MINIMAX_REGION must be "global" or "cn"`)
          region = value
        }

        const envBase = nonEmpty(env.baseUrl)
        const baseSource = Option.isSome(envBase) ? "MINIMAX_BASE_URL" : `${path} field base_url`
        const hosts: Record<Region, readonly [string, ...Array<string>]> = { ...DEFAULT_REGION_HOSTS }
        for (const each of ["global", "cn"] as const) {
          const raw = file.region_hosts?.[each]
          if (raw === undefined) continue
          const list: Array<string> = []
          for (const [i, entry] of (typeof raw === "string" ? [raw] : raw).entries()) {
            const host = normaliseBaseUrl(entry)
            if (!host.ok) return yield* invalid(`${path} field region_hosts.${each}${typeof raw === "string" ? "" : `[${i}]`} ${host.why}`)
            list.push(host.url)
          }
          hosts[each] = list as [string, ...Array<string>]
        }
        const baseUrlSet = Option.isSome(envBase) || file.base_url !== undefined
        const rawBase = Option.isSome(envBase) ? envBase.value : file.base_url ?? baseUrlOf(hosts[region][0])
        const base = normaliseBaseUrl(rawBase)
        if (!base.ok) return yield* invalid(`${baseSource} ${base.why}`)
        const carriesKey = secretScrubber(key)
        for (const [field, url] of [[baseSource, base.url], ...Object.entries(hosts).flatMap(([r, list]) => list.map((h) => [`${path} field region_hosts.${r}`, h] as const))] as const) {
          if (carriesKey(url) !== url) return yield* invalid(`${field} contains the API key; a URL must not carry it`, "Put the key in api_key only.")
        }

        const fromFile = (value: unknown): SettingSource => value === undefined ? "default" : "file"
        const sources: ConfigSources = {
          api_key: Option.isSome(envKey) ? "env" : "file",
          region: Option.isSome(envRegion) ? "env" : fromFile(file.region),
          base_url: Option.isSome(envBase) ? "env" : fromFile(file.base_url),
          auth_header: fromFile(file.auth_header),
          request_timeout_ms: fromFile(file.request_timeout_ms),
          stream_idle_timeout_ms: fromFile(file.stream_idle_timeout_ms),
          max_retries: fromFile(file.max_retries),
          repair_markup: fromFile(file.repair_markup)
        }
        const chain: Array<ChainKey> = entries.map(({ entry }, i) => {
          const secret = keys[i]!
          const keyRegion = entry?.region ?? region
          const masked = maskKey(secret)
          return {
            apiKey: Redacted.make(secret, { label: "MINIMAX_API_KEY" }),
            label: entry?.label?.trim() || masked,
            masked,
            kind: keyKindOf(secret),
            // sk-cp- is a Token Plan key; any other prefix pays as it goes unless config says it is a plan's (an M Plan key).
            billing: entry?.billing ?? (keyKindOf(secret) === "token-plan" ? "plan" : "payg"),
            region: keyRegion,
            // A key of another region than the config's goes to its own region's host: keys are bound to their region.
            baseUrl: keyRegion === region ? base.url : baseUrlOf(hosts[keyRegion][0]),
            models: entry?.models
          }
        })
        for (const [i, each] of chain.entries()) {
          if (each.label !== each.masked && secretScrubber(keys[i]!)(each.label) !== each.label) {
            return yield* invalid(`${path} field api_keys[${i}].label contains the key`, "A label names the key; it must not be the key.")
          }
        }
        return {
          path,
          sources,
          keys: chain,
          apiKey: chain[0]!.apiKey,
          region,
          baseUrl: base.url,
          baseUrlSet,
          regionHosts: hosts,
          maxTokensDefault: file.max_tokens_default ?? DEFAULTS.maxTokensDefault,
          authHeader: file.auth_header ?? DEFAULTS.authHeader,
          requestTimeoutMs: file.request_timeout_ms ?? DEFAULTS.requestTimeoutMs,
          streamIdleTimeoutMs: file.stream_idle_timeout_ms ?? DEFAULTS.streamIdleTimeoutMs,
          maxRetries: file.max_retries ?? DEFAULTS.maxRetries,
          repairMarkup: file.repair_markup ?? DEFAULTS.repairMarkup,
          // The ledger lives beside config.json unless moved; a relative ledger_path is relative to config.json's folder.
          ledgerPath: file.ledger === false ? undefined : resolve(dirname(path), file.ledger_path ?? "usage.sqlite"),
          ledgerRetentionDays: file.ledger_retention_days ?? DEFAULTS.ledgerRetentionDays,
          dailyBudgetUsd: file.daily_budget_usd,
          models: mergeCatalog((file.models ?? []).map(({ effort, family, price, ...descriptor }) => ({ descriptor, family, effort, price: price === undefined ? undefined : priceOf(price) })))
        } satisfies MinimaxConfig
      })

    return PluginConfig.of({ locate, load, environmentKey: Option.map(nonEmpty(env.apiKey), (key) => key.trim()) })
  })

  /** Needs a FileSystem; reads the environment through the current ConfigProvider. */
  static readonly layer = Layer.effect(PluginConfig, PluginConfig.make)
}
