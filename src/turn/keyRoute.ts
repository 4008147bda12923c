/**
 * The key chain, turn by turn: the keys are tried in order, skipping one that is out for the
 * model; a key refused as ./failover.ts says is taken out (./KeyChain.ts keeps it), and the turn
 * moves on to the next key, only while nothing of it was sent, and from each key at most once.
 * Where there is no other key to move to, the key is retried as today (./retryPolicy.ts), and
 * moving on costs no retry. A chain of one behaves as one key always has: it is always tried.
 */
import type { TurnEvent } from "@plexum/sdk"
import { Clock, Effect, Redacted, Stream } from "effect"
import { BudgetExceeded, type MinimaxFailure, reissued } from "../failures/MinimaxFailure.ts"
import { localTime } from "../localTime.ts"
import type { KeyChain, KeyOut } from "../services/KeyChain.ts"
import type { ConfiguredClient } from "../services/MinimaxClient.ts"
import type { ChainKey } from "../services/PluginConfig.ts"
import { mostUseful, PLAN_RESET_FALLBACK_MS, type Refusal, refusalOf } from "./failover.ts"

/** A key of the chain and the client that sends with it. */
export interface KeyRoute {
  readonly key: ChainKey
  readonly client: ConfiguredClient
}

/** Why one key did not serve this turn. */
interface KeyReason {
  readonly route: KeyRoute
  readonly why: string
  readonly until: number
  readonly failure: MinimaxFailure
}

const idOf = (route: KeyRoute) => Redacted.value(route.key.apiKey)

const untilText = (until: number): string => until === Number.POSITIVE_INFINITY ? "" : ` until ${localTime(until)}`

/** The turn's failure when no key served: the most useful one, its message listing each key's reason by label. */
const noKeyServed = (reasons: ReadonlyArray<KeyReason>, nowMs: number): MinimaxFailure => {
  const best = mostUseful(reasons)
  if (reasons.length === 1) return best.failure
  const each = reasons.map((reason) => `${reason.route.key.label} (${reason.route.key.masked}): ${reason.why}${untilText(reason.until)}`).join("; ")
  const back = Math.min(...reasons.map((reason) => reason.until))
  return reissued(best.failure, {
    message: `${best.failure.message}. No key of the chain could serve: ${each}`,
    ...(Number.isFinite(back) && back > nowMs ? { retryAfterMs: back - nowMs } : {})
  })
}

/** Today's pay-as-you-go budget: keys that pay as they go are out once it is spent. */
export interface Budget {
  readonly limitUsd: number
  readonly spentUsd: number
  /** Local midnight: when the budget is new. */
  readonly resetsAt: number
}

const budgetRefusal = (budget: Budget, nowMs: number): MinimaxFailure =>
  new BudgetExceeded({
    message: `Today's pay-as-you-go spend, ${budget.spentUsd.toFixed(4)} USD, has reached daily_budget_usd ${budget.limitUsd} USD`,
    retryable: false,
    retryAfterMs: Math.max(0, budget.resetsAt - nowMs),
    hint: `It resets at ${localTime(budget.resetsAt)}. Raise daily_budget_usd in config.json, or add a plan key to the chain: plan turns go on.`
  })

export interface RouteOptions {
  readonly model: string
  readonly keyChain: KeyChain["Service"]
  readonly budget?: Budget | undefined
  /** One key's attempts at the turn, with today's retry rule; `handOver` says when to stop retrying and move on instead. */
  readonly attempts: (route: KeyRoute, handOver: (failure: MinimaxFailure) => boolean, onEvents: () => void) => Stream.Stream<TurnEvent, MinimaxFailure>
}

export const routeTurn = (keys: ReadonlyArray<KeyRoute>, options: RouteOptions): Stream.Stream<TurnEvent, MinimaxFailure> => {
  const { keyChain, model } = options
  const single = keys.length === 1

  /** When a key is back, for a refusal: its own instant, its plan's reset, or for good. */
  const untilOf = (route: KeyRoute, refusal: Refusal, nowMs: number): Effect.Effect<number> => {
    const { until } = refusal.cooling
    if (until === "forever" || until === "config-change") return Effect.succeed(Number.POSITIVE_INFINITY)
    if (until !== "plan-reset") return Effect.succeed(until)
    return Effect.map(route.client.planResetAt(nowMs), (reset) => reset !== undefined && reset > nowMs ? reset : nowMs + PLAN_RESET_FALLBACK_MS)
  }

  /** The first key from `start` on that may serve, and the reasons of those skipped. */
  const nextKey = (start: number, nowMs: number, skipped: Array<KeyReason>): number | undefined => {
    for (let index = start; index < keys.length; index++) {
      if (options.budget !== undefined && keys[index]!.key.billing === "payg" && options.budget.spentUsd >= options.budget.limitUsd) {
        skipped.push({ route: keys[index]!, why: "the daily budget is spent", until: options.budget.resetsAt, failure: budgetRefusal(options.budget, nowMs) })
        continue
      }
      const out: KeyOut | undefined = single ? undefined : keyChain.outFor(idOf(keys[index]!), model, nowMs)
      if (out === undefined) return index
      skipped.push({ route: keys[index]!, why: out.why, until: out.until, failure: out.failure })
    }
    return undefined
  }

  const from = (start: number, reasons: ReadonlyArray<KeyReason>): Stream.Stream<TurnEvent, MinimaxFailure> =>
    Stream.unwrap(Effect.gen(function*() {
      const nowMs = yield* Clock.currentTimeMillis
      const skipped = [...reasons]
      const index = nextKey(start, nowMs, skipped)
      if (index === undefined) return Stream.fail(noKeyServed(skipped, nowMs))
      const route = keys[index]!
      const left = reasons.at(-1)
      if (left !== undefined) {
        yield* Effect.logInfo("failover").pipe(Effect.annotateLogs({
          left: left.route.key.label,
          left_key: left.route.key.masked,
          why: left.why,
          ...(Number.isFinite(left.until) ? { until: localTime(left.until) } : {}),
          next: route.key.label,
          next_key: route.key.masked
        }))
      }
      /** Another key could serve after this one, as the refusal allows (another region only, for an overload). */
      const otherKeyFor = (failure: MinimaxFailure): boolean => {
        const refusal = refusalOf(failure, nowMs, 0)
        if (refusal === undefined) return false
        for (let other = index + 1; other < keys.length; other++) {
          const candidate = keys[other]!
          if (keyChain.outFor(idOf(candidate), model, nowMs) !== undefined) continue
          if (refusal.failover === "any" || candidate.key.region !== route.key.region) return true
        }
        return false
      }
      let eventsSent = false
      let servesAgain = false
      const onEvents = () => {
        if (eventsSent) return
        eventsSent = true
        servesAgain = keyChain.served(idOf(route))
      }
      return options.attempts(route, otherKeyFor, onEvents).pipe(
        Stream.ensuring(Effect.suspend(() =>
          servesAgain ? Effect.logInfo("key serves again").pipe(Effect.annotateLogs({ key: route.key.label, masked: route.key.masked })) : Effect.void
        )),
        Stream.catch((failure) => {
          if (eventsSent) return Stream.fail(failure)
          return Stream.unwrap(Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            const refusal = refusalOf(failure, now, keyChain.rateLimitsInARow(idOf(route)))
            // A failure that says nothing about the key (the request, the stream) is the turn's, as it is.
            if (refusal === undefined) return Stream.fail(failure)
            const until = yield* untilOf(route, refusal, now)
            const reason: KeyReason = { route, why: refusal.why, until, failure }
            if (until > now) {
              yield* keyChain.takeOut(idOf(route), refusal.cooling.scope === "model" ? model : undefined, {
                until,
                why: refusal.why,
                failure,
                untilConfigChange: refusal.cooling.until === "config-change"
              })
            }
            return otherKeyFor(failure) ? from(index + 1, [...skipped, reason]) : Stream.fail(noKeyServed([...skipped, reason], now))
          }))
        })
      )
    }))

  return from(0, [])
}
