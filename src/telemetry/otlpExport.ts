/**
 * The OTLP exporters (effect's own, `effect/observability`), JSON over HTTP: imported only when
 * OpenTelemetry is configured, so a plugin without it loads none of this.
 */
import { Effect, Layer, Metric, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import type { TurnTally } from "../turn/TurnTally.ts"
import type { OtlpSettings } from "./otlpSettings.ts"
import type { TelemetryOn } from "./turnTelemetry.ts"

const tokens = Metric.counter("gen_ai.client.token.usage", { description: "Tokens of MiniMax turns, by type" })
const cost = Metric.counter("minimax.cost_usd", { description: "Pay-as-you-go cost of MiniMax turns, USD" })
const timeToFirstToken = Metric.histogram("gen_ai.server.time_to_first_token", {
  description: "Seconds from a turn's start to its first token",
  boundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
})

/** A finished turn's metrics: tokens by type, its cost, and its time to first token. */
const recordMetrics = (tally: TurnTally) => {
  const model = { "gen_ai.request.model": tally.model, "gen_ai.provider.name": "minimax" }
  return Effect.all([
    Metric.update(Metric.withAttributes(tokens, { ...model, "gen_ai.token.type": "input" }), tally.usage?.inputTokens ?? 0),
    Metric.update(Metric.withAttributes(tokens, { ...model, "gen_ai.token.type": "output" }), tally.usage?.outputTokens ?? 0),
    tally.usage?.costUsd === undefined ? Effect.void : Metric.update(Metric.withAttributes(cost, model), tally.usage.costUsd),
    tally.firstTokenAt === undefined ? Effect.void : Metric.update(Metric.withAttributes(timeToFirstToken, model), (tally.firstTokenAt - tally.startedAt) / 1000)
  ], { discard: true })
}

/** The exporters started in `scope` (which flushes them when it closes), and what a turn is traced and measured with. */
export const startOtlpExport = (
  settings: OtlpSettings,
  resource: { readonly serviceName: string; readonly serviceVersion: string },
  scope: Scope.Scope
): Effect.Effect<TelemetryOn, never, HttpClient.HttpClient> =>
  Layer.mergeAll(
    settings.tracesUrl === undefined ? Layer.empty : OtlpTracer.layer({ url: settings.tracesUrl, resource, exportInterval: "1 second" }),
    settings.metricsUrl === undefined ? Layer.empty : OtlpMetrics.layer({ url: settings.metricsUrl, resource, exportInterval: "5 seconds" })
  ).pipe(
    Layer.provide(OtlpSerialization.layerJson),
    (layer) => Layer.buildWithScope(layer, scope),
    Effect.map((context) => ({ context, recordMetrics }))
  )
