/**
 * OpenTelemetry through the spawned plugin: a loopback OTLP receiver gets one span per turn with
 * the GenAI attributes; with export turned off, no connection reaches it.
 */
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeMinimax, makePlexumHome, PAY_KEY, pluginEnv, spawnPlugin, userTurn } from "../support/plugin.ts"

/** An OTLP/HTTP JSON receiver on loopback: every request it gets, by path. */
const receiver = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly received: Array<{ path: string; body: any }>; readonly close: () => void }>((resume) => {
    const received: Array<{ path: string; body: any }> = []
    const server = createServer((request: IncomingMessage, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
        } catch {
          body = undefined
        }
        received.push({ path: request.url ?? "", body })
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => server.close() })))
  }),
  (r) => Effect.sync(() => r.close())
)

const attributesOf = (span: any): Record<string, unknown> =>
  Object.fromEntries((span.attributes ?? []).map((a: any) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue ?? a.value.boolValue ?? a.value.arrayValue?.values?.map((v: any) => v.stringValue)]))

describe("OpenTelemetry", () => {
  it.live("OTEL_EXPORTER_OTLP_ENDPOINT alone turns export on: one span per turn with the GenAI attributes, key kind, billing and cost", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      const host = yield* spawnPlugin(pluginEnv(home, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url }))
      yield* host.initialize()
      yield* host.turnCollect("one", userTurn("hi"))
      yield* host.turnCollect("two", userTurn("hi", "MiniMax-M3"))
      yield* host.shutdown
      yield* host.exited
      const spans = otlp.received.filter((r) => r.path === "/v1/traces")
        .flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)))
        .filter((span: any) => String(span.name).startsWith("chat "))
      assert.deepStrictEqual(spans.map((span: any) => span.name), ["chat MiniMax-M2.7", "chat MiniMax-M3"])
      const first = attributesOf(spans[0])
      assert.include(first, { "gen_ai.provider.name": "minimax", "gen_ai.operation.name": "chat", "gen_ai.request.model": "MiniMax-M2.7", "gen_ai.response.model": "MiniMax-M2.7" })
      assert.deepStrictEqual(first["gen_ai.response.finish_reasons"], ["end_turn"])
      assert.isAbove(Number(first["gen_ai.usage.input_tokens"]), 0)
      assert.isAbove(Number(first["gen_ai.usage.output_tokens"]), 0)
      assert.include(first, { "minimax.key.kind": "pay-per-token", "minimax.billing": "payg" })
      assert.isAbove(Number(first["minimax.cost_usd"]), 0)
    }).pipe(Effect.scoped), 30_000)

  it.live("OTEL_SDK_DISABLED=true, or every exporter none: no connection reaches the receiver", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      for (const env of [{ OTEL_SDK_DISABLED: "true" }, { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" }]) {
        const host = yield* spawnPlugin(pluginEnv(home, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, ...env }))
        yield* host.initialize()
        yield* host.turnCollect("one", userTurn("hi"))
        yield* host.shutdown
        yield* host.exited
      }
      assert.deepStrictEqual(otlp.received, [])
    }).pipe(Effect.scoped), 30_000)
})
