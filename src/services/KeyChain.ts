/**
 * What the process has learned about each key of the chain: which are out, for which models,
 * until when, and why. Lives in the process (a restart forgets it, and the first refusal teaches
 * it again). Keyed by the key itself, which never leaves this map.
 */
import { Context, Effect, Layer } from "effect"
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"

/** Why a key is out, and until when (epoch ms; Infinity: for good, or until config.json changes). */
export interface KeyOut {
  readonly until: number
  readonly why: string
  readonly failure: MinimaxFailure
  /** Cleared when config.json changes (a refused key). */
  readonly untilConfigChange: boolean
}

export class KeyChain extends Context.Service<KeyChain, {
  /** Why `key` cannot serve `model` at `nowMs`, or undefined when it can. */
  readonly outFor: (key: string, model: string, nowMs: number) => KeyOut | undefined
  /** `key` is out, for `model` alone or (model undefined) for every model. */
  readonly takeOut: (key: string, model: string | undefined, out: KeyOut) => Effect.Effect<void>
  /** Rate limits met by `key` in a row, for its back-off. */
  readonly rateLimitsInARow: (key: string) => number
  /** `key` served a turn: true when it had been out before (it serves again), and forgets that. */
  readonly served: (key: string) => boolean
  /** config.json changed: keys refused until then may serve again. */
  readonly configChanged: Effect.Effect<void>
}>()("plexum-minimax-provider/KeyChain") {
  static readonly make = Effect.sync(() => {
    const keyOut = new Map<string, KeyOut>()
    const modelOut = new Map<string, KeyOut>()
    const rateLimits = new Map<string, number>()
    const hadBeenOut = new Set<string>()
    const modelKey = (key: string, model: string) => `${key}\u0000${model}`
    return KeyChain.of({
      outFor: (key, model, nowMs) => {
        const forModel = modelOut.get(modelKey(key, model))
        if (forModel !== undefined) return forModel
        const forKey = keyOut.get(key)
        return forKey !== undefined && forKey.until > nowMs ? forKey : undefined
      },
      takeOut: (key, model, out) =>
        Effect.sync(() => {
          if (model !== undefined) modelOut.set(modelKey(key, model), out)
          else {
            keyOut.set(key, out)
            hadBeenOut.add(key)
          }
          if (out.failure._tag === "RateLimited") rateLimits.set(key, (rateLimits.get(key) ?? 0) + 1)
        }),
      rateLimitsInARow: (key) => rateLimits.get(key) ?? 0,
      served: (key) => {
        rateLimits.delete(key)
        keyOut.delete(key)
        return hadBeenOut.delete(key)
      },
      configChanged: Effect.sync(() => {
        for (const [key, out] of keyOut) if (out.untilConfigChange) keyOut.delete(key)
      })
    })
  })

  static readonly layer = Layer.effect(KeyChain, KeyChain.make)
}
