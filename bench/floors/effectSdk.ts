/**
 * Floor: the decided stack doing only the unavoidable part. The SDK's `serve` on stdio, effect's
 * HttpClient on undici (platform-node's, imported after `initialize` as the plugin does), and
 * nothing of the plugin: a static model list; after `initialize`, one GET of the model list and the
 * SQLite ledger opened (what the default config starts); a turn is a POST whose SSE goes through
 * ./sseRelay.mjs, each upstream read's events relayed as one batch. No validation, repairs, key
 * chain or failures handled.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { serve } from "@plexum/sdk"
import { Array as Arr, Context, Effect, Layer, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { makeSseRelay } from "./sseRelay.mjs"

const { readFileSync } = process.getBuiltinModule("node:fs")
const { join } = process.getBuiltinModule("node:path")

const configDir = join(process.env.PLEXUM_HOME ?? "", "plugins", "plexum-minimax-provider")
const config = JSON.parse(readFileSync(join(configDir, "config.json"), "utf8")) as { readonly api_key: string; readonly base_url: string }
const models = [{ id: "MiniMax-M2.7", displayName: "MiniMax M2.7", contextWindow: 204800, maxOutputTokens: 131072, supports: { thinking: true, tools: true, images: false } }]

const program = Effect.gen(function*() {
  const scope = yield* Effect.scope
  const httpClient = yield* Effect.cached(
    Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
      Effect.flatMap(({ layerUndici }) => Layer.buildWithScope(layerUndici, scope)),
      Effect.map(Context.get(HttpClient.HttpClient))
    )
  )
  const authorized = (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.bearerToken(request, config.api_key)
  const afterInitialize = Effect.gen(function*() {
    const client = yield* httpClient
    yield* Effect.ignore(client.execute(authorized(HttpClientRequest.get(`${config.base_url}/v1/models`))).pipe(Effect.flatMap((response) => response.text)))
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite")
    const ledger = new DatabaseSync(join(configDir, "floor-ledger.db"))
    ledger.exec("PRAGMA journal_mode = WAL")
    ledger.exec("CREATE TABLE IF NOT EXISTS turns (id TEXT)")
  })
  yield* serve({
    id: "floor-effect-sdk",
    version: "0",
    initialize: () => Effect.asVoid(Effect.forkIn(Effect.delay(afterInitialize, 20), scope)),
    models: Effect.succeed(models),
    turn: (request) =>
      Stream.unwrap(Effect.gen(function*() {
        const client = yield* httpClient
        const response = yield* HttpClientRequest.post(`${config.base_url}/v1/messages`).pipe(
          authorized,
          HttpClientRequest.bodyJsonUnsafe({ model: request.model, max_tokens: 4096, stream: true, messages: request.messages }),
          client.execute,
          Effect.orDie
        )
        const decoder = new TextDecoder()
        const relay = makeSseRelay()
        return response.stream.pipe(
          Stream.orDie,
          Stream.map((bytes) => relay.feed(decoder.decode(bytes, { stream: true }))),
          Stream.filter(Arr.isArrayNonEmpty),
          Stream.flattenArray
        )
      }))
  })
}).pipe(Effect.scoped, Effect.provide(NodeStdio.layer))

NodeRuntime.runMain(program, { disableErrorReporting: true })
