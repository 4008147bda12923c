/**
 * The MiniMax Messages client, on effect's `HttpClient` (live: undici). One derived client per
 * loaded config, built once: base URL, `anthropic-version`, `accept`, no tracing headers, and
 * the key in the header the process has learned MiniMax accepts for it (./SelfHeal.ts). It POSTs
 * the body the turn built to `{base}/v1/messages` and hands back the answer: the response bytes
 * of a stream, or a whole 200 JSON message. Transport errors, non-2xx answers and JSON error
 * envelopes are mapped here, once, into MinimaxFailures; nothing past this file sees an
 * `HttpClientError`. What to send, and retries, are the turn's business (../turn/runTurn.ts).
 */
import { parseJsonExact } from "@plexum/sdk"
import { Context, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import { HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "effect/http"
import {
  bodyStalled,
  connectionBroke,
  failureFromErrorBody,
  failureFromHttp,
  type FailureContext,
  noHeadersWithin,
  notSent,
  unreachable
} from "../failures/classify.ts"
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"
import { networkFaultOf } from "../failures/networkFault.ts"
import { secretScrubber } from "../failures/scrubSecret.ts"
import { errorOfEnvelope, MAX_ERROR_BODY_BYTES } from "../failures/upstreamAnswer.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import type { AnthropicRequest } from "../translate/AnthropicRequest.ts"
import type { MinimaxConfig } from "./PluginConfig.ts"
import { askQuota } from "./planQuota.ts"
import { readCapped } from "./readCapped.ts"
import { authHeaderRule, SelfHeal } from "./SelfHeal.ts"

export const ANTHROPIC_VERSION = "2023-06-01"

/** The headers every Messages request carries besides the key. */
export const MESSAGES_HEADERS = { "anthropic-version": ANTHROPIC_VERSION, accept: "text/event-stream" } as const

/** How long an error body may take to read. */
const ERROR_BODY_TIMEOUT_MS = 5_000

/** The header mode of the request being sent; set by the self-heal for each attempt. */
const AuthMode = Context.Reference<AuthHeader>("plexum-minimax-provider/AuthMode", { defaultValue: () => "bearer" })

/** Sets the headers that carry the key under `mode`. */
export const authorize = (mode: AuthHeader, key: Redacted.Redacted<string>) =>
(request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
  switch (mode) {
    case "bearer":
      return HttpClientRequest.bearerToken(request, key)
    case "x-api-key":
      return HttpClientRequest.setHeader(request, "x-api-key", Redacted.value(key))
    case "both":
      return HttpClientRequest.setHeader(HttpClientRequest.bearerToken(request, key), "x-api-key", Redacted.value(key))
  }
}

/** A 200 whose body is one whole JSON message is as big as an SSE event may be (16 Mi characters). */
const MAX_MESSAGE_BODY_BYTES = 16 * 1024 * 1024

/** What MiniMax answered a Messages request with, once it was not an error. */
export type MessagesAnswer =
  /** The response body of a stream, as it arrives. */
  | { readonly _tag: "Stream"; readonly bytes: Stream.Stream<Uint8Array, MinimaxFailure> }
  /** A 200 JSON body that is no error: a whole message, or something the turn must refuse. */
  | { readonly _tag: "Message"; readonly json: unknown }

/** The client for one loaded config. */
export interface ConfiguredClient {
  readonly config: MinimaxConfig
  /** What failures of a turn on `model` may name, and how upstream text is scrubbed of the key. */
  readonly failureContext: (model: string) => FailureContext
  /** Sends `body` (a streaming request); the auth header is healed per key here. */
  readonly sendMessages: (body: AnthropicRequest) => Effect.Effect<MessagesAnswer, MinimaxFailure>
  /** When the key's spent plan resets, as its quota says (epoch ms); undefined when the quota does not say. */
  readonly planResetAt: (nowMs: number) => Effect.Effect<number | undefined>
  /** MiniMax's own model list (`GET {base}/v1/models`, every page), as ids with their display names. */
  readonly listModels: Effect.Effect<ReadonlyArray<ListedModel>, MinimaxFailure>
}

/** A model on MiniMax's own list. */
export interface ListedModel {
  readonly id: string
  readonly displayName?: string | undefined
}

const ModelsPage = Schema.Struct({
  data: Schema.Array(Schema.Struct({ id: Schema.String, display_name: Schema.optionalKey(Schema.NullOr(Schema.String)) })),
  last_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  has_more: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
})
const decodeModelsPage = Schema.decodeUnknownOption(ModelsPage)

/** The model list is read within this, however many pages it has; at most this many pages. */
const MODEL_LIST_TIMEOUT_MS = 15_000
const MAX_MODEL_PAGES = 20

/** A spent plan's reset is read within this; the turn waits for it before it fails over. */
const PLAN_RESET_LOOKUP_MS = 5_000

/** A local fault (a bad argument to undici, a header it refuses) is not the network's. */
const isLocal = (error: HttpClientError.HttpClientError): boolean => {
  const reason = error.reason
  if (reason._tag === "InvalidUrlError" || reason._tag === "EncodeError") return true
  const cause = (reason as { readonly cause?: unknown }).cause as { readonly code?: unknown; readonly name?: unknown } | undefined
  return cause?.code === "UND_ERR_INVALID_ARG" || cause?.name === "TypeError" || cause?.name === "InvalidArgumentError"
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const isJson = (response: HttpClientResponse.HttpClientResponse) =>
  /^application\/(?:[\w.+-]*\+)?json\b/i.test(response.headers["content-type"] ?? "")

export class MinimaxClient extends Context.Service<MinimaxClient, {
  /** The client for `config`; build it once per loaded config. */
  readonly forConfig: (config: MinimaxConfig) => ConfiguredClient
}>()("plexum-minimax-provider/MinimaxClient") {
  static readonly make = Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const selfHeal = yield* SelfHeal

    const forConfig = (config: MinimaxConfig): ConfiguredClient => {
      const key = Redacted.value(config.apiKey)
      const scrub = secretScrubber(key)
      const failureContext = (model: string): FailureContext => ({ model, region: config.region, authHeader: config.authHeader, scrub })
      const client = http.pipe(
        HttpClient.mapRequest((request) =>
          request.pipe(
            HttpClientRequest.prependUrl(config.baseUrl),
            HttpClientRequest.setHeaders(MESSAGES_HEADERS)
          )
        ),
        HttpClient.mapRequestEffect((request) =>
          Effect.gen(function*() {
            return authorize(yield* AuthMode, config.apiKey)(request)
          })
        )
      )

      const failureOfAnswer = (response: HttpClientResponse.HttpClientResponse, context: FailureContext) =>
        Effect.gen(function*() {
          const body = yield* readCapped(response, MAX_ERROR_BODY_BYTES).pipe(
            Effect.timeoutOption(ERROR_BODY_TIMEOUT_MS),
            Effect.map((text) => text._tag === "Some" ? text.value : ""),
            Effect.orElseSucceed(() => "")
          )
          const nowMs = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          return failureFromHttp({ url: response.request.url, status: response.status, headers: response.headers, body, nowMs }, context)
        })

      /** A 200 whose body is JSON: an error envelope or a `base_resp` code fails; anything else is handed on. */
      const jsonBody = (response: HttpClientResponse.HttpClientResponse, context: FailureContext) =>
        Effect.gen(function*() {
          // A body that stops half-way is the stream's silence by another name: the same deadline ends it.
          const text = yield* readCapped(response, MAX_MESSAGE_BODY_BYTES).pipe(
            Effect.mapError((error) => connectionBroke(networkFaultOf(error).detail)),
            Effect.timeoutOrElse({ duration: config.streamIdleTimeoutMs, orElse: () => Effect.fail(bodyStalled(config.streamIdleTimeoutMs)) })
          )
          const nowMs = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          let json: unknown
          try {
            json = parseJsonExact(text)
          } catch {
            return yield* Effect.fail(failureFromHttp({ url: response.request.url, status: 502, headers: response.headers, body: text, nowMs }, context))
          }
          const error = errorOfEnvelope(json, context.scrub)
          const record = json as { readonly type?: unknown; readonly base_resp?: { readonly status_code?: unknown } }
          const baseCode = Number(record.base_resp?.status_code ?? 0)
          if (error !== undefined && (record.type === "error" || baseCode !== 0)) {
            return yield* Effect.fail(failureFromErrorBody(error, context, nowMs))
          }
          return { _tag: "Message", json } satisfies MessagesAnswer
        })

      const send = (payload: string, context: FailureContext): Effect.Effect<MessagesAnswer, MinimaxFailure> =>
        HttpClientRequest.post("/v1/messages").pipe(
          HttpClientRequest.bodyText(payload, "application/json"),
          client.execute,
          Effect.provideService(HttpClient.TracerPropagationEnabled, false),
          Effect.timeoutOrElse({ duration: config.requestTimeoutMs, orElse: () => Effect.fail(noHeadersWithin(config.requestTimeoutMs)) }),
          Effect.catchTag("HttpClientError", (error) =>
            Effect.fail(isLocal(error) ? notSent(error.reason._tag) : unreachable(config.baseUrl, networkFaultOf(error), context.scrub))),
          Effect.flatMap((response): Effect.Effect<MessagesAnswer, MinimaxFailure> =>
            response.status < 200 || response.status >= 300
              ? Effect.flatMap(failureOfAnswer(response, context), Effect.fail)
              : isJson(response)
              ? jsonBody(response, context)
              : Effect.succeed({
                _tag: "Stream",
                bytes: response.stream.pipe(Stream.catchTag("HttpClientError", (error) => Stream.fail(connectionBroke(networkFaultOf(error).detail))))
              })
          )
        )

      const sendMessages = (body: AnthropicRequest) => {
        const context = failureContext(body.model)
        const payload = JSON.stringify(body)
        // What the auth header self-heal learns is the key's: another key may be of an account that wants the other.
        return selfHeal.heal(authHeaderRule, key, config.authHeader, (mode) => send(payload, context).pipe(Effect.provideService(AuthMode, mode)))
      }

      const planResetAt = (nowMs: number) =>
        Effect.map(askQuota(http, new URL(config.baseUrl).origin, config.apiKey, nowMs, PLAN_RESET_LOOKUP_MS), (answer) => {
          if (answer.reading?._tag !== "Buckets") return undefined
          const plan = answer.reading.buckets[0]
          const resets = (plan?.windows ?? []).filter((window) => window.state === "exhausted" && window.resetsAt !== undefined).map((window) => window.resetsAt!)
          return resets.length === 0 ? undefined : Math.max(...resets)
        })

      const listModels = Effect.gen(function*() {
        const context = failureContext("(model list)")
        const listed: Array<ListedModel> = []
        let after: string | undefined
        for (let page = 0; page < MAX_MODEL_PAGES; page++) {
          const url = `/v1/models?limit=100${after === undefined ? "" : `&after_id=${encodeURIComponent(after)}`}`
          // What this answer teaches of the header stays with the list: the Messages endpoint may want the other.
          const text = yield* selfHeal.heal(authHeaderRule, `${key}\u0000models`, config.authHeader, (mode) =>
            client.execute(HttpClientRequest.get(url)).pipe(
              Effect.provideService(AuthMode, mode),
              Effect.provideService(HttpClient.TracerPropagationEnabled, false),
              Effect.catchTag("HttpClientError", (error) => Effect.fail(unreachable(config.baseUrl, networkFaultOf(error), context.scrub))),
              Effect.flatMap((response) =>
                response.status === 200
                  ? Effect.mapError(readCapped(response, MAX_ERROR_BODY_BYTES * 16), (error) => connectionBroke(networkFaultOf(error).detail))
                  : Effect.flatMap(failureOfAnswer(response, context), Effect.fail)
              )
            ))
          const decoded = decodeModelsPage(safeJson(text))
          if (Option.isNone(decoded)) return yield* Effect.fail(failureFromErrorBody({ message: "the model list is not a list of models" }, context, 0, 200))
          for (const model of decoded.value.data) listed.push({ id: context.scrub(model.id), displayName: model.display_name ?? undefined })
          if (decoded.value.has_more !== true || !decoded.value.last_id) break
          after = decoded.value.last_id
        }
        return listed
      }).pipe(
        Effect.scoped,
        Effect.timeoutOrElse({ duration: MODEL_LIST_TIMEOUT_MS, orElse: () => Effect.fail(noHeadersWithin(MODEL_LIST_TIMEOUT_MS)) })
      )

      return { config, failureContext, sendMessages, planResetAt, listModels }
    }

    return MinimaxClient.of({ forConfig })
  })

  /** Needs an HttpClient and SelfHeal. Tracing headers are never sent upstream. */
  static readonly layer = Layer.effect(MinimaxClient, MinimaxClient.make)
}
