/**
 * Gets the HTTP client ready ahead of the first request. Live, that imports and builds undici,
 * which start-up leaves out (a chunk of its own, about 45 ms); the provider runs it in the
 * background once `initialize` is answered, so that the first turn does not wait for it.
 * Anywhere else (a mocked HttpClient) there is nothing to do.
 */
import { Context, Effect } from "effect"

export const HttpWarmup = Context.Reference<Effect.Effect<void>>("plexum-minimax-provider/HttpWarmup", {
  defaultValue: () => Effect.void
})
