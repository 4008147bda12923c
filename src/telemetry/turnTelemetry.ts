/**
 * One span per turn, with the GenAI semantic conventions' attributes (provider, operation,
 * request and response model, tokens, cache tokens, finish reasons, `error.type`) and the key's
 * kind, billing and cost; and metrics for tokens, cost and time to first token. Nothing is made
 * unless OpenTelemetry is configured (TelemetryOn).
 */
import { Clock, Context, Effect, Exit, Metric, type Tracer } from "effect"
import type { TurnEnding, TurnTally } from "../turn/TurnTally.ts"

/** True when an OTLP exporter is installed (src/main.ts). */
export const TelemetryOn = Context.Reference<boolean>("plexum-minimax-provider/TelemetryOn", { defaultValue: () => false })

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

const tokens = Metric.counter("gen_ai.client.token.usage", { description: "Tokens of MiniMax turns, by type" })
const cost = Metric.counter("minimax.cost_usd", { description: "Pay-as-you-go cost of MiniMax turns, USD" })
const timeToFirstToken = Metric.histogram("gen_ai.server.time_to_first_token", {
  description: "Seconds from a turn's start to its first token",
  boundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
})

/** The turn's span, started now, when telemetry is on. */
export const startTurnSpan = (model: string): Effect.Effect<Tracer.Span | undefined> =>
  Effect.flatMap(TelemetryOn, (on) => on ? Effect.makeSpan(`chat ${model}`, { kind: "client", root: true }) : Effect.succeed(undefined))

/** Records the finished turn: its span's attributes and end, and its metrics. */
export const recordTurn = (span: Tracer.Span | undefined, tally: TurnTally, ending: TurnEnding) =>
  Effect.gen(function*() {
    if (span === undefined) return
    for (const [key, value] of Object.entries(turnAttributes(tally, ending))) span.attribute(key, value)
    span.end(yield* Clock.currentTimeNanos, "stopReason" in ending ? Exit.void : Exit.fail(ending.failure))
    const model = { "gen_ai.request.model": tally.model, "gen_ai.provider.name": "minimax" }
    yield* Metric.update(Metric.withAttributes(tokens, { ...model, "gen_ai.token.type": "input" }), tally.usage?.inputTokens ?? 0)
    yield* Metric.update(Metric.withAttributes(tokens, { ...model, "gen_ai.token.type": "output" }), tally.usage?.outputTokens ?? 0)
    if (tally.usage?.costUsd !== undefined) yield* Metric.update(Metric.withAttributes(cost, model), tally.usage.costUsd)
    if (tally.firstTokenAt !== undefined) yield* Metric.update(Metric.withAttributes(timeToFirstToken, model), (tally.firstTokenAt - tally.startedAt) / 1000)
  })
