/**
 * The OTLP exporters (effect's own, `effect/observability`), JSON over HTTP: imported only when
 * OpenTelemetry is configured, so a plugin without it loads none of this.
 */
import { Layer } from "effect"
import type { HttpClient } from "effect/http"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import type { OtlpSettings } from "./otlpSettings.ts"

export const otlpLayer = (settings: OtlpSettings, resource: { readonly serviceName: string; readonly serviceVersion: string }): Layer.Layer<never, never, HttpClient.HttpClient> =>
  Layer.mergeAll(
    settings.tracesUrl === undefined ? Layer.empty : OtlpTracer.layer({ url: settings.tracesUrl, resource, exportInterval: "1 second" }),
    settings.metricsUrl === undefined ? Layer.empty : OtlpMetrics.layer({ url: settings.metricsUrl, resource, exportInterval: "5 seconds" })
  ).pipe(Layer.provide(OtlpSerialization.layerJson))
