/**
 * What a refusal of one key of the chain means for that key, and for the turn (minimax-upstream.md
 * §5, §8). Pure. A key refused for a model never serves that model again in this process; a spent
 * plan, an empty balance or a rate limit cools the key for every model until it can serve again;
 * a refused key waits for config.json to change. The turn moves on to the next key for these, and
 * only while nothing of it was sent.
 */
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"

/** How long a key stays out, and for what. */
export type Cooling =
  /** The model is not in this key's plan: never again in this process. */
  | { readonly scope: "model"; readonly until: "forever" }
  /** Until an instant (epoch ms), for every model. */
  | { readonly scope: "key"; readonly until: number }
  /** A spent plan whose reset the message did not say: read it from the plan's quota, else 15 minutes. */
  | { readonly scope: "key"; readonly until: "plan-reset" }
  /** A refused key: until config.json changes. */
  | { readonly scope: "key"; readonly until: "config-change" }

export interface Refusal {
  readonly cooling: Cooling
  /** Why, in a few words a person reads in a log line and a failure's message. */
  readonly why: string
  /** "any": fail over to any other key; "other-region": only to a key of another region. */
  readonly failover: "any" | "other-region"
}

/** A spent plan's fallback wait when neither the message nor the quota says the reset. */
export const PLAN_RESET_FALLBACK_MS = 15 * 60_000
/** An empty balance is topped up by a person: look again in ten minutes. */
export const BALANCE_COOLING_MS = 10 * 60_000
/** A rate-limited key without `retry-after`: one second, doubling per refusal in a row, at most a minute. */
export const rateLimitCoolingMs = (refusalsInARow: number): number => Math.min(1_000 * 2 ** refusalsInARow, 60_000)

/** A 2056 that is not "0/0 used": the plan's quota is spent (the old wording with a reset time, or §8's new one). */
export const isPlanSpent = (failure: MinimaxFailure): boolean => failure._tag === "RateLimited" && failure.upstream?.code === 2056

/** What `failure` from one key means for it, or undefined when it says nothing about the key (the turn fails as today). */
export const refusalOf = (failure: MinimaxFailure, nowMs: number, rateLimitsInARow: number): Refusal | undefined => {
  switch (failure._tag) {
    case "ModelNotInPlan":
      return { cooling: { scope: "model", until: "forever" }, why: "the model is not in its plan", failover: "any" }
    case "InsufficientBalance":
      return { cooling: { scope: "key", until: nowMs + BALANCE_COOLING_MS }, why: "no balance left", failover: "any" }
    case "AuthFailed":
      return { cooling: { scope: "key", until: "config-change" }, why: "MiniMax refused the key", failover: "any" }
    case "RateLimited":
      if (isPlanSpent(failure)) {
        return {
          cooling: { scope: "key", until: failure.retryAfterMs === undefined ? "plan-reset" : nowMs + failure.retryAfterMs },
          why: "its plan is spent",
          failover: "any"
        }
      }
      return {
        cooling: { scope: "key", until: nowMs + (failure.retryAfterMs ?? rateLimitCoolingMs(rateLimitsInARow)) },
        why: "rate limited",
        failover: "any"
      }
    case "Overloaded":
      return { cooling: { scope: "key", until: nowMs }, why: "MiniMax is overloaded", failover: "other-region" }
    default:
      return undefined
  }
}

/**
 * Which failure the turn ends with when every key failed: the one a person can best act on. A
 * plan spent until a known time beats a rate limit, which beats an empty balance, a key refused
 * for the model, a refused key; anything else comes last.
 */
const USEFULNESS: Partial<Record<MinimaxFailure["_tag"], number>> = {
  RateLimited: 1,
  Overloaded: 2,
  InsufficientBalance: 3,
  ModelNotInPlan: 4,
  AuthFailed: 5
}

const rank = (failure: MinimaxFailure): number =>
  isPlanSpent(failure) && failure.retryAfterMs !== undefined ? 0 : USEFULNESS[failure._tag] ?? 6

export const mostUseful = <F extends { readonly failure: MinimaxFailure }>(reasons: ReadonlyArray<F>): F =>
  reasons.reduce((best, each) => rank(each.failure) < rank(best.failure) ? each : best)
