/**
 * One span per turn, with the GenAI semantic conventions' attributes (provider, operation,
 * request and response model, tokens, cache tokens, finish reasons, `error.type`) and the key's
 * kind, billing and cost; and metrics (./otlpExport.ts) for tokens, cost and time to first token.
 * Nothing is made unless OpenTelemetry is configured (TurnTelemetry).
 */
import { Clock, Context, Effect, Exit, type Tracer } from "effect"
import type { TurnEnding, TurnTally } from "../turn/TurnTally.ts"

/** The OTLP exporters, running: what a turn is traced with (its tracer), and how its metrics are recorded. */
export interface TelemetryOn {
  /** The tracer and the exporters' flusher, for the turn's span and every span inside it. */
  readonly context: Context.Context<never>
  readonly recordMetrics: (tally: TurnTally) => Effect.Effect<void>
}

/**
 * The exporters, loaded by the first use (./../layers/Live.ts: the warm-up after `initialize`,
 * or a turn that comes first), so that start-up loads none of them. The default: telemetry is
 * off (undefined), and no span or metric is made.
 */
export const TurnTelemetry = Context.Reference<Effect.Effect<TelemetryOn | undefined>>("plexum-minimax-provider/TurnTelemetry", {
  defaultValue: () => Effect.succeed(undefined)
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

/** A turn being traced: its span, and the exporters it reports to. */
export interface TracedTurn {
  readonly span: Tracer.Span
  readonly telemetry: TelemetryOn
}

/** The turn's span, started now, when telemetry is on. */
export const startTurnSpan = (telemetry: TelemetryOn | undefined, model: string): Effect.Effect<TracedTurn | undefined> =>
  telemetry === undefined
    ? Effect.succeed(undefined)
    : Effect.makeSpan(`chat ${model}`, { kind: "client", root: true }).pipe(
      Effect.provideContext(telemetry.context),
      Effect.map((span) => ({ span, telemetry }))
    )

/** Records the finished turn: its span's attributes and end, and its metrics. */
export const recordTurn = (traced: TracedTurn | undefined, tally: TurnTally, ending: TurnEnding) =>
  Effect.gen(function*() {
    if (traced === undefined) return
    for (const [key, value] of Object.entries(turnAttributes(tally, ending))) traced.span.attribute(key, value)
    traced.span.end(yield* Clock.currentTimeNanos, "stopReason" in ending ? Exit.void : Exit.fail(ending.failure))
    yield* traced.telemetry.recordMetrics(tally)
  })
