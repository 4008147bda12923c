/**
 * One span per turn, with the GenAI semantic conventions' attributes (provider, operation,
 * request and response model, tokens, cache tokens, finish reasons, `error.type`) and the key's
 * kind, billing and cost; and metrics (./otlpExport.ts) for tokens, cost and time to first token.
 * Nothing is made unless OpenTelemetry is configured (TurnMetrics).
 */
import { Clock, Context, Effect, Exit, type Tracer } from "effect"
import type { TurnEnding, TurnTally } from "../turn/TurnTally.ts"

/**
 * Installed with the OTLP exporters (./otlpExport.ts): how a finished turn's metrics are recorded.
 * Undefined (the default): telemetry is off, and no span or metric is made.
 */
export const TurnMetrics = Context.Reference<((tally: TurnTally) => Effect.Effect<void>) | undefined>("plexum-minimax-provider/TurnMetrics", {
  defaultValue: () => undefined
})

/** The span's attributes for a finished turn. */
export const turnAttributes = (tally: TurnTally, ending: TurnEnding): Record<string, unknown> => {
  const usage = tally.usage
  return {
    "gen_ai.provider.name": "minimax",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": tally.model,
    ...(tally.answeredBy === undefined ? {} : { "gen_ai.response.model": tally.answeredBy }),
    "gen_ai.usage.input_tokens": usage?.inputTokens ?? 0,
    "gen_ai.usage.output_tokens": usage?.outputTokens ?? 0,
    "gen_ai.usage.cache_read.input_tokens": usage?.cacheReadInputTokens ?? 0,
    "gen_ai.usage.cache_creation.input_tokens": usage?.cacheCreationInputTokens ?? 0,
    ...("stopReason" in ending ? { "gen_ai.response.finish_reasons": [ending.stopReason] } : { "error.type": ending.failure }),
    ...(tally.key === undefined ? {} : { "minimax.key.kind": tally.key.kind, "minimax.billing": tally.key.billing }),
    ...(usage?.costUsd === undefined ? {} : { "minimax.cost_usd": usage.costUsd }),
    "minimax.attempts": tally.attempts
  }
}

/** The turn's span, started now, when telemetry is on. */
export const startTurnSpan = (model: string): Effect.Effect<Tracer.Span | undefined> =>
  Effect.flatMap(TurnMetrics, (on) => on !== undefined ? Effect.makeSpan(`chat ${model}`, { kind: "client", root: true }) : Effect.succeed(undefined))

/** Records the finished turn: its span's attributes and end, and its metrics. */
export const recordTurn = (span: Tracer.Span | undefined, tally: TurnTally, ending: TurnEnding) =>
  Effect.gen(function*() {
    if (span === undefined) return
    for (const [key, value] of Object.entries(turnAttributes(tally, ending))) span.attribute(key, value)
    span.end(yield* Clock.currentTimeNanos, "stopReason" in ending ? Exit.void : Exit.fail(ending.failure))
    const metrics = yield* TurnMetrics
    if (metrics !== undefined) yield* metrics(tally)
  })
