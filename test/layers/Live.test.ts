/**
 * The live HttpClient over a real socket to the fake MiniMax: built at the first request,
 * and its connections closed with the layer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { HttpClient } from "effect/http"
import { HttpClientLive } from "../../src/layers/Live.ts"
import { fakeMinimax } from "../support/plugin.ts"

describe("HttpClientLive", () => {
  it.live("serves concurrent first requests, and closing the layer closes its connections", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const statuses = yield* Effect.gen(function*() {
        const client = yield* HttpClient.HttpClient
        const statuses = yield* Effect.forEach(
          ["/v1/token_plan/remains", "/nowhere", "/v1/token_plan/remains"],
          (path) => client.get(`${fake.url}${path}`).pipe(Effect.map((response) => response.status)),
          { concurrency: "unbounded" }
        )
        assert.isAbove(fake.openConnections(), 0, "undici keeps its connections alive while the layer is open")
        return statuses
      }).pipe(Effect.provide(HttpClientLive, { local: true }), Effect.scoped)
      assert.deepStrictEqual(statuses, [200, 404, 200], "the quota path answers 200 with its code in base_resp (§6); an unknown path 404")
      yield* Effect.suspend(() => {
        const open = fake.openConnections()
        return open === 0 ? Effect.void : Effect.fail(new Error(`${open} connections still open after the layer closed`))
      }).pipe(
        Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 200 })
      )
    }).pipe(Effect.scoped))
})
