/**
 * What the upstream accepts, learned once per process. MiniMax has changed what it accepts
 * more than once (the auth header in May 2026, M3's "thinking on" value in July 2026), and a
 * gateway should not fail every turn until someone edits config.json. A rule says which
 * failure means "this value was rejected" and what to try instead. When the alternative
 * works, it is used from then on (per rule and scope) and one warning says what to write in
 * config.json. The retry is not counted in `max_retries`.
 */
import { Context, Effect, Layer } from "effect"
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"

export interface HealRule<A extends string> {
  /** The setting this rule heals, as config.json names it. */
  readonly name: string
  /** The value to try when `failure` says `tried` was rejected; undefined when it does not. */
  readonly alternative: (failure: MinimaxFailure, tried: A) => A | undefined
  /** The warning logged when `accepted` worked where `refused` was rejected; `configured` is what config.json says. */
  readonly warning: (scope: string, change: { readonly refused: A; readonly accepted: A; readonly configured: A }) => string
}

/** A 401 whose message asks for the other header (§1): `'Authorization' field … 'Bearer'`, or `'X-Api-Key' field`. */
export const authHeaderRule: HealRule<AuthHeader> = {
  name: "auth_header",
  alternative: (failure, tried) => {
    if (failure._tag !== "AuthFailed") return undefined
    const message = failure.upstream?.message ?? ""
    const named = /'?X-Api-Key'?\s+field/i.test(message)
      ? "x-api-key"
      : /'?Authorization'?\s+field|Bearer/i.test(message)
      ? "bearer"
      : undefined
    return named === undefined || named === tried ? undefined : named
  },
  warning: (_scope, { accepted, configured, refused }) =>
    accepted === configured
      ? `MiniMax refused auth_header "${refused}" and accepted "${accepted}" again, as config.json says; using "${accepted}" from now on.`
      : `MiniMax refused auth_header "${refused}" and accepted "${accepted}"; using "${accepted}" from now on. ` +
        `Write "auth_header": "${accepted}" in config.json to make it permanent.`
}

/**
 * M3's "thinking on" value: documented as `adaptive`, answered once with
 * `400 … thinking.type must be enabled or disabled` (opencode #35138, July 2026). Scoped per model.
 */
export const thinkingOnRule: HealRule<"adaptive" | "enabled"> = {
  name: "thinking",
  alternative: (failure, tried) =>
    failure._tag === "InvalidRequest" && /thinking\.type/i.test(`${failure.upstream?.message ?? ""} ${failure.message}`)
      ? (tried === "adaptive" ? "enabled" : "adaptive")
      : undefined,
  warning: (model, { accepted, refused }) =>
    `MiniMax refused thinking "${refused}" for ${model} and accepted "${accepted}"; using "${accepted}" for ${model} from now on.`
}

/**
 * M3.1's effort, sent as `output_config.effort` as clients send it (§8, from one source): if
 * MiniMax answers 400 naming that field, the model gets no effort for the life of the process.
 */
export const effortRule: HealRule<"send" | "omit"> = {
  name: "effort",
  alternative: (failure, tried) =>
    tried === "send" && failure._tag === "InvalidRequest" && /output_config|effort/i.test(`${failure.upstream?.message ?? ""} ${failure.message}`)
      ? "omit"
      : undefined,
  warning: (model) => `MiniMax refused output_config.effort for ${model}; sending ${model} no effort from now on (MiniMax's default applies).`
}

export class SelfHeal extends Context.Service<SelfHeal, {
  /**
   * Runs `attempt` with the value learned for (`rule`, `scope`), else `configured`. When the
   * upstream rejects that value as the rule describes, runs it once more with the alternative;
   * if the upstream accepts it (the turn works, or fails for another reason), the alternative
   * is remembered. If it is rejected too, the first failure stands.
   */
  readonly heal: <A extends string, X>(
    rule: HealRule<A>,
    scope: string,
    configured: A,
    attempt: (value: A) => Effect.Effect<X, MinimaxFailure>
  ) => Effect.Effect<X, MinimaxFailure>
  /** What was learned for (`rule`, `scope`) in place of `configured`, if anything. */
  readonly learned: <A extends string>(rule: HealRule<A>, scope: string, configured: A) => Effect.Effect<A | undefined>
}>()("plexum-minimax-provider/SelfHeal") {
  static readonly make = Effect.sync(() => {
    const learned = new Map<string, string>()
    const keyOf = (rule: { readonly name: string }, scope: string, configured: string) => `${rule.name}\u0000${scope}\u0000${configured}`
    const heal = <A extends string, X>(
      rule: HealRule<A>,
      scope: string,
      configured: A,
      attempt: (value: A) => Effect.Effect<X, MinimaxFailure>
    ) =>
      Effect.suspend(() => {
        const key = keyOf(rule, scope, configured)
        const current = (learned.get(key) ?? configured) as A
        return attempt(current).pipe(
          Effect.catch((failure) => {
            const alternative = rule.alternative(failure, current)
            if (alternative === undefined) return Effect.fail(failure)
            // One accurate warning per change of what is sent; going back to the configured value forgets the lesson.
            const learn = Effect.suspend(() => {
              if ((learned.get(key) ?? configured) === alternative) return Effect.void
              if (alternative === configured) learned.delete(key)
              else learned.set(key, alternative)
              return Effect.logWarning(rule.warning(scope, { refused: current, accepted: alternative, configured }))
            })
            return attempt(alternative).pipe(
              Effect.tap(() => learn),
              Effect.catch((again) =>
                again._tag === failure._tag || rule.alternative(again, alternative) !== undefined
                  ? Effect.fail(failure)
                  : Effect.andThen(learn, Effect.fail(again))
              )
            )
          })
        )
      })
    return SelfHeal.of({
      heal,
      learned: <A extends string>(rule: HealRule<A>, scope: string, configured: A) =>
        Effect.sync(() => learned.get(keyOf(rule, scope, configured)) as A | undefined)
    })
  })

  static readonly layer = Layer.effect(SelfHeal, SelfHeal.make)
}
