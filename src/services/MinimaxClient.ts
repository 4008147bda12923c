/**
 * The MiniMax Messages client, on effect's `HttpClient` (live: undici). One derived client per
 * loaded config, built once: base URL, `anthropic-version`, `accept`, no tracing headers, and
 * the key in the header the process has learned MiniMax accepts (./SelfHeal.ts). It POSTs
 * `{base}/v1/messages` with `stream: true` and hands back the body as text. Transport errors
 * and non-2xx answers are mapped here, once, into MinimaxFailures; nothing past this file sees
 * an `HttpClientError`. Retries are the turn's business (../turn/streamTurn.ts), because they
 * depend on whether any event has been sent.
 */
import { parseJsonExact } from "@plexum/sdk"
import { Context, Effect, Layer, Redacted, Stream } from "effect"
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
import { sseOfMessage } from "../stream/MessageBody.ts"
import { decodeUtf8 } from "../stream/decodeUtf8.ts"
import { MAX_EVENT_SIZE } from "../stream/SseDecoder.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import type { MinimaxConfig } from "./PluginConfig.ts"
import type { ThinkingOn } from "../translate/toAnthropicRequest.ts"
import { authHeaderRule, SelfHeal, thinkingOnRule } from "./SelfHeal.ts"

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

/** One Messages request, as the turn pipeline hands it over. */
export interface MessagesRequest {
  readonly model: string
  /** The body, given M3's "thinking on" value. */
  readonly body: (thinkingOn: ThinkingOn) => unknown
  /** The body carries a "thinking on" value, which MiniMax may refuse for the other one. */
  readonly sendsThinkingOn: boolean
}

/** The client for one loaded config. */
export interface MinimaxApi {
  readonly config: MinimaxConfig
  /** What failures of a turn on `model` may name, and how upstream text is scrubbed of the key. */
  readonly failureContext: (model: string) => FailureContext
  /** The body of a streaming Messages request, as SSE text (a JSON body is turned into the events it holds). */
  readonly streamMessages: (request: MessagesRequest) => Stream.Stream<string, MinimaxFailure>
  /** Logs `message` at info the first time `key` is seen in this process. */
  readonly noteOnce: (key: string, message: string) => Effect.Effect<void>
}

/** A local fault (a bad argument to undici, a header it refuses) is not the network's. */
const isLocal = (error: HttpClientError.HttpClientError): boolean => {
  const reason = error.reason
  if (reason._tag === "InvalidUrlError" || reason._tag === "EncodeError") return true
  const cause = (reason as { readonly cause?: unknown }).cause as { readonly code?: unknown; readonly name?: unknown } | undefined
  return cause?.code === "UND_ERR_INVALID_ARG" || cause?.name === "TypeError" || cause?.name === "InvalidArgumentError"
}

/** Reads at most `maxBytes` of a body as text; the rest of an endless body is never read. */
export const readCapped = (response: HttpClientResponse.HttpClientResponse, maxBytes: number) =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.takeUntil((chunk) => {
        chunks.push(chunk.subarray(0, maxBytes - size))
        size += chunk.length
        return size >= maxBytes
      }),
      Stream.runDrain,
      Effect.map(() => Buffer.concat(chunks).toString("utf8"))
    )
  })

const isJson = (response: HttpClientResponse.HttpClientResponse) =>
  /^application\/(?:[\w.+-]*\+)?json\b/i.test(response.headers["content-type"] ?? "")

export class MinimaxClient extends Context.Service<MinimaxClient, {
  /** The client for `config`; build it once per loaded config. */
  readonly forConfig: (config: MinimaxConfig) => MinimaxApi
}>()("plexum-minimax-provider/MinimaxClient") {
  static readonly make = Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const selfHeal = yield* SelfHeal
    const noted = new Set<string>()
    const noteOnce = (key: string, message: string) =>
      Effect.suspend(() => {
        if (noted.has(key)) return Effect.void
        noted.add(key)
        return Effect.logInfo(message)
      })

    const forConfig = (config: MinimaxConfig): MinimaxApi => {
      const scrub = secretScrubber(Redacted.value(config.apiKey))
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

      /** A 200 whose body is JSON: an error, a `base_resp` code, or a whole message to relay as its events. */
      const jsonBody = (response: HttpClientResponse.HttpClientResponse, context: FailureContext) =>
        Effect.gen(function*() {
          // A body that stops half-way is the stream's silence by another name: the same deadline ends it.
          const text = yield* readCapped(response, MAX_EVENT_SIZE).pipe(
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
          const sse = sseOfMessage(json)
          if (sse === undefined) {
            return yield* Effect.fail(failureFromErrorBody({ message: "a 200 JSON body that is neither a message nor an error" }, context, nowMs, 200))
          }
          return Stream.make(sse)
        })

      const send = (payload: string, context: FailureContext) =>
        HttpClientRequest.post("/v1/messages").pipe(
          HttpClientRequest.bodyText(payload, "application/json"),
          client.execute,
          Effect.provideService(HttpClient.TracerPropagationEnabled, false),
          Effect.timeoutOrElse({ duration: config.requestTimeoutMs, orElse: () => Effect.fail(noHeadersWithin(config.requestTimeoutMs)) }),
          Effect.catchTag("HttpClientError", (error) =>
            Effect.fail(isLocal(error) ? notSent(error.reason._tag) : unreachable(config.baseUrl, networkFaultOf(error), context.scrub))),
          Effect.flatMap((response) =>
            response.status < 200 || response.status >= 300
              ? Effect.flatMap(failureOfAnswer(response, context), Effect.fail)
              : isJson(response)
              ? jsonBody(response, context)
              : Effect.succeed(response.stream.pipe(
                Stream.catchTag("HttpClientError", (error) => Stream.fail(connectionBroke(networkFaultOf(error).detail))),
                decodeUtf8
              ))
          )
        )

      const streamMessages = ({ body, model, sendsThinkingOn }: MessagesRequest) => {
        const context = failureContext(model)
        const authorized = (thinkingOn: ThinkingOn) => {
          const payload = JSON.stringify(body(thinkingOn))
          return selfHeal.heal(authHeaderRule, "", config.authHeader, (mode) => send(payload, context).pipe(Effect.provideService(AuthMode, mode)))
        }
        return Stream.unwrap(sendsThinkingOn ? selfHeal.heal(thinkingOnRule, model, "adaptive", authorized) : authorized("adaptive"))
      }

      return { config, failureContext, streamMessages, noteOnce }
    }

    return MinimaxClient.of({ forConfig })
  })

  /** Needs an HttpClient and SelfHeal. Tracing headers are never sent upstream. */
  static readonly layer = Layer.effect(MinimaxClient, MinimaxClient.make)
}
