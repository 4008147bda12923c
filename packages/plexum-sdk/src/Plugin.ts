/**
 * What a provider plugin gives the SDK's `serve` runtime, in Effect terms.
 */
import type { Effect, Stream } from "effect"
import type {
  FailureTag,
  InitializeParams,
  ModelDescriptor,
  ProviderFailure,
  TurnEvent,
  TurnRequest,
  UpstreamDetails
} from "./Protocol.ts"

/**
 * A failed turn. Any tagged error whose `_tag` is one of the protocol's failure tags
 * qualifies; `serve` sends it as -32001 with `data` built by {@link toProviderFailure}.
 */
export interface TurnFailure {
  readonly _tag: FailureTag
  readonly message: string
  readonly retryable: boolean
  readonly retryAfterMs?: number | undefined
  readonly hint?: string | undefined
  readonly upstream?: UpstreamDetails | undefined
}

/** What `serve` knows of a turn besides its request. */
export interface TurnContext {
  readonly turnId: string
}

/**
 * A provider plugin.
 *
 * A turn is a `Stream` of TurnEvents that starts with `turn_start` and ends with
 * `turn_stop`, or fails with a {@link TurnFailure}. `serve` numbers the events, relays
 * them as `turn/event` notifications, and answers the request with the TurnResult it
 * folds from them (see `TurnResultFold`), so the result can never disagree with the events.
 * Interrupting the stream must release everything the turn holds (sockets included).
 */
export interface ProviderPlugin<R = never> {
  readonly id: string
  readonly version: string
  /** Runs on every `initialize`, with the host's params. It must not fail: configuration problems surface on turns. */
  readonly initialize: (params: InitializeParams) => Effect.Effect<void, never, R>
  /** The catalog, as `initialize` and `provider/models` report it. */
  readonly models: Effect.Effect<ReadonlyArray<ModelDescriptor>, never, R>
  readonly turn: (request: TurnRequest, context: TurnContext) => Stream.Stream<TurnEvent, TurnFailure, R>
}

/** The wire form (`data` of a -32001 error) of a turn failure. */
export const toProviderFailure = (failure: TurnFailure): ProviderFailure => ({
  tag: failure._tag,
  message: failure.message,
  retryable: failure.retryable,
  ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  ...(failure.hint !== undefined ? { hint: failure.hint } : {}),
  ...(failure.upstream !== undefined ? { upstream: failure.upstream } : {})
})
