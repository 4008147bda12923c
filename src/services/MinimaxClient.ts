/**
 * The MiniMax Messages client, on effect's `HttpClient` (live: undici). It POSTs
 * `{base}/v1/messages` with `stream: true`, retries before the response starts when the
 * failure is retryable, and hands back the body as text with an idle watchdog. Transport
 * errors and statuses are mapped here, once, into MinimaxFailures; nothing past this file
 * sees an `HttpClientError`.
 */
import { Context, Duration, Effect, Layer, Random, Schedule, Stream } from "effect"
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import {
  authHeaderNamedBy,
  failureFromHttp,
  type FailureContext,
  MAX_RETRY_AFTER_MS
} from "../failures/classify.ts"
import { type MinimaxFailure, Timeout, UpstreamUnavailable } from "../failures/MinimaxFailure.ts"
import { Auth, authorize } from "./Auth.ts"
import type { AuthHeaderMode, MinimaxConfig } from "./PluginConfig.ts"

export const ANTHROPIC_VERSION = "2023-06-01"

/** Backoff: 0.5 s doubling to 8 s, ±25 % jitter, at least what `retry-after` asked (≤ 60 s). */
export const retrySchedule = Schedule.exponential("500 millis", 2).pipe(
  Schedule.setInputType<MinimaxFailure>(),
  Schedule.modifyDelay(({ duration, input }) =>
    Effect.map(Random.next, (random) => {
      const backoff = Math.min(Duration.toMillis(duration), 8_000) * (0.75 + random * 0.5)
      return Duration.millis(Math.max(backoff, Math.min(input.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)))
    })
  )
)

export class MinimaxClient extends Context.Service<MinimaxClient, {
  /** The response body of a streaming Messages request, as text chunks. */
  readonly streamMessages: (
    config: MinimaxConfig,
    body: Record<string, unknown>,
    context: FailureContext
  ) => Stream.Stream<string, MinimaxFailure>
}>()("plexum-minimax-provider/MinimaxClient") {
  static readonly make = Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const auth = yield* Auth

    const send = (config: MinimaxConfig, payload: string, mode: AuthHeaderMode, context: FailureContext) =>
      HttpClientRequest.post(`${config.baseUrl}/v1/messages`).pipe(
        HttpClientRequest.setHeaders({ "anthropic-version": ANTHROPIC_VERSION, accept: "text/event-stream" }),
        HttpClientRequest.bodyText(payload, "application/json"),
        authorize(mode, config.apiKey),
        http.execute,
        Effect.provideService(HttpClient.TracerPropagationEnabled, false),
        Effect.timeoutOrElse({
          duration: config.requestTimeoutMs,
          orElse: () =>
            Effect.fail(new Timeout({
              message: `MiniMax sent no response headers within ${config.requestTimeoutMs} ms`,
              retryable: true,
              hint: "Raise request_timeout_ms in config.json if this keeps happening."
            }))
        }),
        Effect.catchTag("HttpClientError", (error) =>
          Effect.fail(new UpstreamUnavailable({
            message: `Could not reach MiniMax at ${config.baseUrl}: ${error.reason._tag}`,
            retryable: true,
            hint: "Check the network and base_url; `--probe` tests reachability."
          }))),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300 ? Effect.succeed(response) : statusFailure(response, context)
        )
      )

    const statusFailure = (response: HttpClientResponse.HttpClientResponse, context: FailureContext) =>
      Effect.gen(function*() {
        const body = yield* response.text.pipe(Effect.timeoutOption(5_000), Effect.map((text) => text._tag === "Some" ? text.value : ""), Effect.orElseSucceed(() => ""))
        const nowMs = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
        return yield* Effect.fail(failureFromHttp({ status: response.status, headers: response.headers, body, nowMs }, context))
      })

    /** One attempt, with the auth self-heal: a 401 that names the other header is tried once with it. */
    const attempt = (config: MinimaxConfig, payload: string, context: FailureContext) =>
      Effect.gen(function*() {
        const mode = yield* auth.effectiveMode(config.authHeader)
        return yield* send(config, payload, mode, context).pipe(
          Effect.catchTag("AuthFailed", (failure) => {
            const named = authHeaderNamedBy(failure)
            if (named === undefined || named === mode) return Effect.fail(failure)
            return send(config, payload, named, context).pipe(Effect.tap(() => auth.learn(config.authHeader, named)))
          })
        )
      })

    const connect = (config: MinimaxConfig, payload: string, context: FailureContext) =>
      attempt(config, payload, context).pipe(
        Effect.tapError((failure) =>
          failure.retryable ? Effect.logInfo(`MiniMax request failed (${failure._tag}); will retry if attempts remain`) : Effect.void
        ),
        Effect.retry({ schedule: retrySchedule, times: config.maxRetries, while: (failure) => failure.retryable })
      )

    const streamMessages = (config: MinimaxConfig, body: Record<string, unknown>, context: FailureContext) =>
      Stream.unwrap(Effect.map(connect(config, JSON.stringify(body), context), (response) =>
        response.stream.pipe(
          Stream.timeoutOrElse({
            duration: config.streamIdleTimeoutMs,
            orElse: () =>
              Stream.fail(new Timeout({
                message: `MiniMax's stream went silent for ${config.streamIdleTimeoutMs} ms`,
                retryable: true,
                hint: "Raise stream_idle_timeout_ms in config.json if long pauses are expected."
              }))
          }),
          Stream.catchTag("HttpClientError", (error) =>
            Stream.fail(new UpstreamUnavailable({
              message: `The connection to MiniMax broke during the response: ${error.reason._tag}`,
              retryable: true,
              hint: "Retry the turn; the events already sent stay valid."
            }))),
          Stream.decodeText
        )))

    return MinimaxClient.of({ streamMessages })
  })

  /** Needs an HttpClient and Auth. Tracing headers are never sent upstream. */
  static readonly layer = Layer.effect(MinimaxClient, MinimaxClient.make)
}
