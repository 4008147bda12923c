/**
 * What is left of a Token Plan: `GET {api host}/v1/token_plan/remains` with the Bearer key (not
 * under `/anthropic`; minimax-upstream.md §6), read by ../minimax/quota.ts. The probe shows it;
 * the key chain reads a spent plan's reset from it. Network trouble is an answer too, never a
 * failure, and the question, its body included, ends within its bound.
 */
import { Effect, Option, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { networkFaultOf } from "../failures/networkFault.ts"
import { MAX_ERROR_BODY_BYTES } from "../failures/upstreamAnswer.ts"
import { type QuotaReading, readQuota } from "../minimax/quota.ts"
import { readCapped } from "./readCapped.ts"

/** A person is waiting: no single question of the probe's may take longer than this. */
export const PROBE_TIMEOUT_MS = 15_000

export type KeyAnswer = "accepted" | "refused" | "unreachable"

/** A request of the probe's or the quota's own, never carrying tracing headers upstream. */
export const sendUntraced = (http: HttpClient.HttpClient, request: HttpClientRequest.HttpClientRequest) =>
  http.execute(request).pipe(Effect.provideService(HttpClient.TracerPropagationEnabled, false))

/** What a question that got no answer met: the network's fault in words, or the bound. */
export const noAnswer = (error: unknown): string => {
  const fault = networkFaultOf(error)
  return `${fault.kind === "other" ? "no HTTP answer" : fault.kind}: ${fault.detail}`
}

export interface QuotaAnswer {
  readonly answer: KeyAnswer | "unreadable"
  readonly reading?: QuotaReading
  /** Why there was no answer, when there was none. */
  readonly why?: string
}

/** `GET {host}/v1/token_plan/remains` with the Bearer key; 1004 and 2049 mean the key was refused. */
export const askQuota = (
  http: HttpClient.HttpClient,
  host: string,
  key: Redacted.Redacted<string>,
  nowMs: number,
  boundMs: number = PROBE_TIMEOUT_MS
): Effect.Effect<QuotaAnswer> => {
  const bound = Math.min(boundMs, PROBE_TIMEOUT_MS)
  return HttpClientRequest.get(`${host}/v1/token_plan/remains`).pipe(
    HttpClientRequest.bearerToken(key),
    (request) => sendUntraced(http, request),
    Effect.flatMap((response) => readCapped(response, MAX_ERROR_BODY_BYTES)),
    Effect.map((text): QuotaAnswer => {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return { answer: "unreadable", reading: { _tag: "Unreadable", reason: "the answer is not JSON" } }
      }
      const reading = readQuota(json, nowMs)
      if (reading._tag === "Refused" && (reading.code === 1004 || reading.code === 2049)) return { answer: "refused", reading }
      return { answer: reading._tag === "Unreadable" ? "unreadable" : "accepted", reading }
    }),
    // The bound covers the body too: a host that sends headers and half a body, then nothing, is no answer.
    Effect.timeoutOption(bound),
    Effect.map(Option.getOrElse((): QuotaAnswer => ({ answer: "unreachable", why: `no complete answer within ${bound / 1000} s` }))),
    Effect.scoped,
    Effect.catch((error) => Effect.succeed<QuotaAnswer>({ answer: "unreachable", why: noAnswer(error) }))
  )
}
