/**
 * One turn against MiniMax, top to bottom: the TurnRequest checked, repaired and translated
 * for its model's family (../translate/), sent by the config's client
 * (../services/MinimaxClient.ts), its response decoded into TurnEvents
 * (../stream/TurnStream.ts), and the whole attempt tried again while the retry policy allows
 * (./retryPolicy.ts). The provider and `--probe` both run turns here.
 */
import type { TurnEvent, TurnRequest } from "@plexum/sdk"
import { Clock, Effect, Random, Stream } from "effect"
import { FAMILY_POLICIES, findModel } from "../minimax/catalog.ts"
import { failureFromStreamFault } from "../failures/classify.ts"
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"
import type { MessagesRequest, MinimaxApi } from "../services/MinimaxClient.ts"
import { turnEventsFromText } from "../stream/TurnStream.ts"
import { checkRequest } from "../translate/checkRequest.ts"
import { repairRequest } from "../translate/repairRequest.ts"
import { toAnthropicRequest } from "../translate/toAnthropicRequest.ts"
import { retryDelayMs, shouldRetry } from "./retryPolicy.ts"
import type { TurnTally } from "./TurnTally.ts"

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

/** MiniMax's own tool call id form, `call_function_<12 random [a-z0-9]>_<n>`, for calls recovered from text. */
const recoveredCallIds = Effect.map(
  Effect.forEach(Array.from({ length: 12 }), () => Random.next),
  (picks) => {
    const random = picks.map((r) => ID_ALPHABET[Math.floor(r * ID_ALPHABET.length)]).join("")
    return (n: number) => `call_function_${random}_${n}`
  }
)

/**
 * One attempt: the request sent once, its answer as TurnEvents. On the first attempt, when a
 * retry is allowed, an empty turn is a fault to try again (OpenClaw retries "empty replies",
 * which MiniMax sends often enough); after that, an empty turn ends as the empty turn it is.
 */
const attemptTurn = (api: MinimaxApi, request: TurnRequest, messages: MessagesRequest, retries: number, tally: TurnTally | undefined): Stream.Stream<TurnEvent, MinimaxFailure> =>
  Stream.unwrap(Effect.map(recoveredCallIds, (toolCallId) => {
    if (tally !== undefined) tally.attempts = retries + 1
    const context = api.failureContext(request.model)
    return turnEventsFromText(
      api.streamMessages(messages),
      {
        model: request.model,
        stopSequences: request.stopSequences,
        repairMarkup: api.config.repairMarkup,
        tools: request.tools,
        toolCallId,
        emptyIsFault: retries === 0 && api.config.maxRetries > 0,
        idleTimeoutMs: api.config.streamIdleTimeoutMs,
        scrub: context.scrub
      },
      (fault) => Effect.map(Clock.currentTimeMillis, (nowMs) => failureFromStreamFault(fault, context, nowMs))
    )
  }))

/** Runs `attempt` again while the retry policy allows: nothing sent yet, a retryable failure, retries left. */
export const retryBeforeFirstEvent = <A>(
  attempt: (retries: number) => Stream.Stream<A, MinimaxFailure>,
  maxRetries: number
): Stream.Stream<A, MinimaxFailure> => {
  const from = (retries: number): Stream.Stream<A, MinimaxFailure> =>
    Stream.suspend(() => {
      let eventsSent = false
      return attempt(retries).pipe(
        Stream.mapArray((events) => {
          eventsSent = true
          return events
        }),
        Stream.catch((failure) => {
          if (!shouldRetry({ failure, retries, maxRetries, eventsSent })) return Stream.fail(failure)
          return Stream.unwrap(Effect.gen(function*() {
            const delay = retryDelayMs(retries, failure.retryAfterMs, yield* Random.next)
            yield* Effect.logInfo("MiniMax request failed; retrying").pipe(
              Effect.annotateLogs({ failure: failure._tag, retry: `${retries + 1}/${maxRetries}`, delay_ms: delay })
            )
            yield* Effect.sleep(delay)
            return from(retries + 1)
          }))
        })
      )
    })
  return from(0)
}

/** The turn's events, or the failure that ended it (scrubbed of the key where it came from upstream). */
export const streamTurn = (api: MinimaxApi, request: TurnRequest, tally?: TurnTally): Stream.Stream<TurnEvent, MinimaxFailure> =>
  Stream.unwrap(Effect.gen(function*() {
    const refusal = checkRequest(request, api.config.models)
    if (refusal !== undefined) return yield* Effect.fail(refusal)
    const policy = FAMILY_POLICIES[findModel(api.config.models, request.model)!.family]
    const repaired = repairRequest(request, policy)
    for (const repair of repaired.repairs) yield* api.noteOnce(`repair:${repair.kind}`, `repaired before sending: ${repair.message}`)
    if (repaired.unsignedThinking > 0) yield* Effect.logDebug(`${repaired.unsignedThinking} thinking block(s) sent without a signature`)
    const messages: MessagesRequest = {
      model: request.model,
      body: (thinkingOn) => toAnthropicRequest(repaired.request, { maxTokensDefault: api.config.maxTokensDefault, policy, thinkingOn }),
      sendsThinkingOn: policy.thinking === "off-unless-asked" && request.thinking?.type !== "disabled"
    }
    return retryBeforeFirstEvent((retries) => attemptTurn(api, request, messages, retries, tally), api.config.maxRetries)
  }))
