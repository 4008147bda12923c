/**
 * One turn against MiniMax, top to bottom: the TurnRequest checked, repaired and translated
 * for its model's family (../translate/), sent by the config's client
 * (../services/MinimaxClient.ts), its response decoded into TurnEvents
 * (../stream/responseEvents.ts), each stream fault turned into its failure (./failureOfFault.ts),
 * and the whole attempt tried again while the retry policy allows (./retryPolicy.ts). The turn
 * owns the request body, so what MiniMax refuses in it (M3's "thinking on" value) is healed
 * here. The provider and `--probe` both run turns here.
 */
import type { TurnEvent, TurnRequest, Usage } from "@plexum/sdk"
import { Clock, Effect, Random, Stream } from "effect"
import { failureFromErrorBody } from "../failures/classify.ts"
import { InvalidRequest, type MinimaxFailure } from "../failures/MinimaxFailure.ts"
import { FAMILY_POLICIES, findModel, type RequestPolicy } from "../minimax/catalog.ts"
import { costOf } from "../minimax/pricing.ts"
import { LogOnce } from "../services/LogOnce.ts"
import { KeyChain } from "../services/KeyChain.ts"
import { Ledger, localMidnight } from "../services/Ledger.ts"
import type { ConfiguredClient } from "../services/MinimaxClient.ts"
import type { MinimaxConfig } from "../services/PluginConfig.ts"
import { effortRule, SelfHeal, thinkingOnRule } from "../services/SelfHeal.ts"
import { decodeUtf8 } from "../stream/decodeUtf8.ts"
import { eventsOfMessage } from "../stream/MessageBody.ts"
import { turnEventsOfMessage, turnEventsOfText } from "../stream/responseEvents.ts"
import type { AnthropicRequest } from "../translate/AnthropicRequest.ts"
import { checkRequest } from "../translate/checkRequest.ts"
import { repairRequest } from "../translate/repairRequest.ts"
import { effortFor, type ThinkingOn, toAnthropicRequest } from "../translate/toAnthropicRequest.ts"
import { failureOfFault } from "./failureOfFault.ts"
import { type Budget, type KeyRoute, routeTurn } from "./keyRoute.ts"
import { retryDelayMs, shouldRetry } from "./retryPolicy.ts"
import { sendsCacheControl, tallyEvents, type TurnTally } from "./TurnTally.ts"

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

/** MiniMax's own tool call id form, `call_function_<12 random [a-z0-9]>_<n>`, for calls recovered from text. */
const recoveredCallIds = Effect.map(
  Effect.forEach(Array.from({ length: 12 }), () => Random.next),
  (picks) => {
    const random = picks.map((r) => ID_ALPHABET[Math.floor(r * ID_ALPHABET.length)]).join("")
    return (n: number) => `call_function_${random}_${n}`
  }
)

/** The request body, given M3's "thinking on" value and whether M3.1's effort is sent, and which of them the body carries. */
interface TurnBody {
  readonly build: (thinkingOn: ThinkingOn, sendEffort: boolean) => AnthropicRequest
  readonly sendsThinkingOn: boolean
  readonly sendsEffort: boolean
}

/**
 * Sends the body once. When it carries M3's "thinking on" value, that value is healed per
 * model: MiniMax has refused `adaptive` for `enabled` once (July 2026) and the reverse since.
 */
const send = (client: ConfiguredClient, selfHeal: SelfHeal["Service"], model: string, body: TurnBody) => {
  const withEffort = (effort: "send" | "omit") =>
    body.sendsThinkingOn
      ? selfHeal.heal(thinkingOnRule, model, "adaptive", (thinkingOn) => client.sendMessages(body.build(thinkingOn, effort === "send")))
      : client.sendMessages(body.build("adaptive", effort === "send"))
  return body.sendsEffort ? selfHeal.heal(effortRule, model, "send", withEffort) : withEffort("omit")
}

/**
 * One attempt: the request sent once, its answer as TurnEvents. On the first attempt, when a
 * retry is allowed, an empty turn is a fault to try again (OpenClaw retries "empty replies",
 * which MiniMax sends often enough); after that, an empty turn ends as the empty turn it is.
 */
const attemptTurn = (
  client: ConfiguredClient,
  selfHeal: SelfHeal["Service"],
  request: TurnRequest,
  body: TurnBody,
  retries: number,
  costOf: (usage: Usage) => number | undefined
): Stream.Stream<TurnEvent, MinimaxFailure> =>
  Stream.unwrap(Effect.gen(function*() {
    const toolCallId = yield* recoveredCallIds
    const context = client.failureContext(request.model)
    const options = {
      model: request.model,
      stopSequences: request.stopSequences,
      repairMarkup: client.config.repairMarkup,
      tools: request.tools,
      toolCallId,
      emptyIsFault: retries === 0 && client.config.maxRetries > 0,
      idleTimeoutMs: client.config.streamIdleTimeoutMs,
      scrub: context.scrub,
      costOf
    }
    const onFault = (fault: Parameters<typeof failureOfFault>[0]) => Effect.map(Clock.currentTimeMillis, (nowMs) => failureOfFault(fault, context, nowMs))
    const answer = yield* send(client, selfHeal, request.model, body)
    if (answer._tag === "Stream") return turnEventsOfText(answer.bytes.pipe(decodeUtf8), options, onFault)
    const events = eventsOfMessage(answer.json)
    if (events !== undefined) return turnEventsOfMessage(events, options, onFault)
    const nowMs = yield* Clock.currentTimeMillis
    return yield* Effect.fail(failureFromErrorBody({ message: "a 200 JSON body that is neither a message nor an error" }, context, nowMs, 200))
  }))

/**
 * Runs `attempt` again while the retry policy allows: nothing sent yet, a retryable failure,
 * retries left. `observe` sees each attempt start and every batch of events that goes out.
 */
export const retryBeforeFirstEvent = <A, R>(
  attempt: (retries: number) => Stream.Stream<A, MinimaxFailure, R>,
  maxRetries: number,
  observe?: { readonly attempt: (retries: number) => void; readonly events: (events: ReadonlyArray<A>) => void },
  /** True when `failure` should end this key's attempts at once: another key of the chain takes the turn. */
  handOver: (failure: MinimaxFailure) => boolean = () => false
): Stream.Stream<A, MinimaxFailure, R> => {
  const from = (retries: number): Stream.Stream<A, MinimaxFailure, R> =>
    Stream.suspend(() => {
      let eventsSent = false
      observe?.attempt(retries)
      return attempt(retries).pipe(
        Stream.mapArray((events) => {
          eventsSent = true
          observe?.events(events)
          return events
        }),
        Stream.catch((failure) => {
          if (!shouldRetry({ failure, retries, maxRetries, eventsSent }) || handOver(failure)) return Stream.fail(failure)
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

const noCost = (): undefined => undefined

/**
 * Today's pay-as-you-go budget, when config sets one and a key of the chain pays as it goes: the
 * ledger's spend (every process sharing it, across restarts), else this process's, said once.
 */
const budgetOf = (config: MinimaxConfig, keys: ReadonlyArray<KeyRoute>, logOnce: LogOnce["Service"]) =>
  Effect.gen(function*() {
    const limitUsd = config.dailyBudgetUsd
    if (limitUsd === undefined || !keys.some(({ key }) => key.billing === "payg")) return undefined
    const nowMs = yield* Clock.currentTimeMillis
    const spend = yield* Effect.flatMap(Ledger, (ledger) => ledger.spentToday(nowMs))
    const midnight = localMidnight(nowMs)
    const day = new Date(midnight).toDateString()
    if (!spend.shared) yield* logOnce.note("budget:own", "the daily budget counts this process's spend only: the usage ledger is off")
    if (spend.usd >= 0.8 * limitUsd && spend.usd < limitUsd) {
      yield* logOnce.note(`budget:80:${day}`, `today's pay-as-you-go spend is ${spend.usd.toFixed(4)} USD, 80 % or more of daily_budget_usd ${limitUsd}`)
    }
    const tomorrow = localMidnight(midnight + 36 * 3_600_000)
    return { limitUsd, spentUsd: spend.usd, resetsAt: tomorrow } satisfies Budget
  })

/** The keys of a loaded config with their clients, and the config they share. */
export interface TurnKeys {
  readonly config: MinimaxConfig
  readonly keys: ReadonlyArray<KeyRoute>
}

/**
 * The turn's events, or the failure that ended it (scrubbed of the key where it came from
 * upstream). The services are read once, here: the stream itself needs none per pull.
 */
export const runTurn = (
  { config, keys }: TurnKeys,
  request: TurnRequest,
  tally?: TurnTally
): Effect.Effect<Stream.Stream<TurnEvent, MinimaxFailure>, MinimaxFailure, SelfHeal | LogOnce | KeyChain | Ledger> =>
  Effect.gen(function*() {
    const refusal = checkRequest(request, config.models)
    if (refusal !== undefined) return yield* Effect.fail(refusal)
    const serving = keys.filter(({ key }) => key.models === undefined || key.models.includes(request.model))
    if (serving.length === 0) {
      return yield* Effect.fail(
        new InvalidRequest({
          message: `No key of api_keys is configured for ${request.model}`,
          retryable: false,
          hint: `Add ${request.model} to a key's "models" in config.json, or drop "models" from a key so it serves every model.`
        })
      )
    }
    const policy: RequestPolicy = FAMILY_POLICIES[findModel(config.models, request.model)!.family]
    const repaired = repairRequest(request, policy)
    const logOnce = yield* LogOnce
    const selfHeal = yield* SelfHeal
    const keyChain = yield* KeyChain
    const budget = yield* budgetOf(config, serving, logOnce)
    for (const repair of repaired.repairs) yield* logOnce.note(`repair:${repair.kind}`, `repaired before sending: ${repair.message}`)
    if (repaired.unsignedThinking > 0) yield* Effect.logDebug(`${repaired.unsignedThinking} thinking block(s) sent without a signature`)
    const model = findModel(config.models, request.model)!
    const costAtPrice = (usage: Usage) => costOf(model.price, usage)
    if (tally !== undefined) {
      tally.price = model.price
      tally.repairs = repaired.repairs.map((repair) => repair.kind)
      tally.firstMessage = request.messages[0]
      tally.cacheControlSent = sendsCacheControl(request)
    }
    const options = { maxTokensDefault: config.maxTokensDefault, policy, defaultEffort: model.effort }
    const body: TurnBody = {
      build: (thinkingOn, sendEffort) => toAnthropicRequest(repaired.request, { ...options, thinkingOn, sendEffort }),
      sendsThinkingOn: policy.thinking === "off-unless-asked" && request.thinking?.type !== "disabled",
      sendsEffort: effortFor(repaired.request, options) !== undefined
    }
    return routeTurn(serving, {
      model: request.model,
      keyChain,
      budget,
      attempts: ({ client, key }, handOver, onEvents) =>
        retryBeforeFirstEvent((retries) => attemptTurn(client, selfHeal, request, body, retries, key.billing === "payg" ? costAtPrice : noCost), config.maxRetries, {
          attempt: (retries) => {
            if (tally === undefined) return
            tally.attempts++
            if (retries === 0) tally.keys++
            tally.key = key
          },
          events: (events) => {
            onEvents()
            if (tally !== undefined) tallyEvents(tally, events, () => performance.now())
          }
        }, handOver)
    })
  })
