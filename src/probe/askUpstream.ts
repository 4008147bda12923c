/**
 * The probe's own question to a MiniMax host, with an explicit header and no self-heal: does
 * this host accept this key this way. Network trouble is an answer too, never a failure, and
 * the question ends within its bound. (What is left of the plan: ../services/planQuota.ts.)
 */
import { Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { authorize, MESSAGES_HEADERS } from "../services/MinimaxClient.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import { type KeyAnswer, PROBE_TIMEOUT_MS, sendUntraced } from "../services/planQuota.ts"


/** Whether `{baseUrl}/v1/messages` lets `key` through under `mode` (anything but 401/403 does). */
export const askMessages = (
  http: HttpClient.HttpClient,
  baseUrl: string,
  key: Redacted.Redacted<string>,
  mode: AuthHeader,
  model: string,
  boundMs: number = PROBE_TIMEOUT_MS
): Effect.Effect<KeyAnswer> =>
  HttpClientRequest.post(`${baseUrl}/v1/messages`).pipe(
    HttpClientRequest.setHeaders(MESSAGES_HEADERS),
    HttpClientRequest.bodyText(JSON.stringify({ model, max_tokens: 1, stream: true, messages: [{ role: "user", content: "ping" }] }), "application/json"),
    authorize(mode, key),
    (request) => sendUntraced(http, request),
    Effect.map((response): KeyAnswer => response.status === 401 || response.status === 403 ? "refused" : "accepted"),
    Effect.timeout(Math.min(boundMs, PROBE_TIMEOUT_MS)),
    Effect.scoped,
    Effect.orElseSucceed((): KeyAnswer => "unreachable")
  )
