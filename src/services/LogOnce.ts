/**
 * Things worth saying once per process, not once per turn: a repair the plugin made to a
 * request, a model id guessed from its name. Keyed by what was said; the first time a key is
 * seen, its message is logged at info.
 */
import { Context, Effect, Layer } from "effect"

export class LogOnce extends Context.Service<LogOnce, {
  /** Logs `message` at info the first time `key` is seen in this process. */
  readonly note: (key: string, message: string) => Effect.Effect<void>
}>()("plexum-minimax-provider/LogOnce") {
  static readonly make = Effect.sync(() => {
    const noted = new Set<string>()
    return LogOnce.of({
      note: (key, message) =>
        Effect.suspend(() => {
          if (noted.has(key)) return Effect.void
          noted.add(key)
          return Effect.logInfo(message)
        })
    })
  })

  static readonly layer = Layer.effect(LogOnce, LogOnce.make)
}
