/**
 * One tagged error class per ProviderFailure kind. Each instance already carries what the
 * protocol sends (`message`, `retryable`, `hint`, `upstream`), so `@plexum/sdk` encodes it
 * as is. `./classify.ts` decides which one an upstream answer becomes.
 */
import { UpstreamDetails } from "@plexum/sdk"
import { Schema } from "effect"

const failureFields = {
  message: Schema.String,
  retryable: Schema.Boolean,
  retryAfterMs: Schema.optional(Schema.Number),
  hint: Schema.optional(Schema.String),
  upstream: Schema.optional(UpstreamDetails)
}

export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", failureFields) {}
export class AuthFailed extends Schema.TaggedError<AuthFailed>()("AuthFailed", failureFields) {}
export class InsufficientBalance extends Schema.TaggedError<InsufficientBalance>()("InsufficientBalance", failureFields) {}
export class ModelNotInPlan extends Schema.TaggedError<ModelNotInPlan>()("ModelNotInPlan", failureFields) {}
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", failureFields) {}
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", failureFields) {}
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", failureFields) {}
export class ContextTooLong extends Schema.TaggedError<ContextTooLong>()("ContextTooLong", failureFields) {}
export class ContentFiltered extends Schema.TaggedError<ContentFiltered>()("ContentFiltered", failureFields) {}
export class UpstreamUnavailable extends Schema.TaggedError<UpstreamUnavailable>()("UpstreamUnavailable", failureFields) {}
export class UpstreamProtocol extends Schema.TaggedError<UpstreamProtocol>()("UpstreamProtocol", failureFields) {}
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", failureFields) {}
export class UpstreamError extends Schema.TaggedError<UpstreamError>()("UpstreamError", failureFields) {}
export class BudgetExceeded extends Schema.TaggedError<BudgetExceeded>()("BudgetExceeded", failureFields) {}

export type MinimaxFailure =
  | ConfigInvalid
  | AuthFailed
  | InsufficientBalance
  | ModelNotInPlan
  | RateLimited
  | Overloaded
  | InvalidRequest
  | ContextTooLong
  | ContentFiltered
  | UpstreamUnavailable
  | UpstreamProtocol
  | Timeout
  | UpstreamError
  | BudgetExceeded

export type FailureFields = Omit<ConstructorParameters<typeof UpstreamError>[0], "_tag">

/** `failure` again, of the same kind, with some of its fields replaced (a message that lists every key's reason). */
export const reissued = (failure: MinimaxFailure, fields: Partial<FailureFields>): MinimaxFailure => {
  const Kind = failure.constructor as new(fields: FailureFields) => MinimaxFailure
  const { hint, message, retryable, retryAfterMs, upstream } = failure
  return new Kind({
    message,
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(hint === undefined ? {} : { hint }),
    ...(upstream === undefined ? {} : { upstream }),
    ...fields
  })
}
