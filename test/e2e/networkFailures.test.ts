/**
 * Network failures said as what they are (first-hour issue, item 2), against loopback targets:
 * a port nothing listens on, a listener that never answers, and a TLS server with a self-signed
 * certificate. In turn failures and in `--probe`, which ends within its 20 s and skips the
 * models once the endpoint is unreachable.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { createServer as createHttpsServer } from "node:https"
import { createServer, type Server } from "node:net"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { makePlexumHome, PLUGIN_MAIN, pluginEnv, ROOT, runCommand, spawnPlugin, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const listening = (server: Server) =>
  Effect.acquireRelease(
    Effect.callback<number>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))),
    () => Effect.sync(() => server.close())
  )

/** A port that refused a connection a moment ago. */
const closedPort = Effect.gen(function*() {
  const server = createServer()
  const port = yield* Effect.callback<number>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port))))
  yield* Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  return port
})

/** Accepts connections and never writes a byte. */
const silentListener = Effect.gen(function*() {
  const sockets = new Set<import("node:net").Socket>()
  const server = createServer((socket) => void sockets.add(socket))
  yield* Effect.addFinalizer(() => Effect.sync(() => sockets.forEach((s) => s.destroy())))
  return yield* listening(server)
})

const selfSignedTls = Effect.gen(function*() {
  const server = createHttpsServer({
    key: readFileSync(join(ROOT, "test/fixtures/selfsigned.key")),
    cert: readFileSync(join(ROOT, "test/fixtures/selfsigned.crt"))
  }, (_request, response) => response.end("{}"))
  return yield* listening(server as unknown as Server)
})

const turnFailure = (baseUrl: string, config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: baseUrl, max_retries: 0, ...config })
    const host = yield* spawnPlugin(pluginEnv(home))
    yield* host.initialize()
    const error = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
    return (error as { data?: { tag: string; message: string; hint?: string; retryable: boolean } }).data!
  })

const probe = (baseUrl: string) =>
  Effect.gen(function*() {
    const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: baseUrl })
    const started = performance.now()
    const human = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--probe"], { env: pluginEnv(home), timeoutMs: 60_000 })
    return { ...human, elapsedMs: performance.now() - started }
  })

const assertNoSelfReference = (text: string) => {
  assert.notInclude(text, "run --probe")
  assert.notInclude(text, "`--probe`")
  assert.notInclude(text, "Raise request_timeout_ms")
}

describe("network failures say what happened", () => {
  it.live("connection refused: its own message and hint, in a turn and in --probe (models not asked)", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const baseUrl = `http://127.0.0.1:${port}/anthropic`
      const failure = yield* turnFailure(baseUrl)
      assert.strictEqual(failure.tag, "UpstreamUnavailable")
      assert.include(failure.message, `Nothing accepted the connection at 127.0.0.1:${port} (connection refused): ECONNREFUSED`)
      assert.include(failure.hint, "not running")
      const result = yield* probe(baseUrl)
      assert.strictEqual(result.code, 1)
      assert.match(result.stdout, /reachable\s+FAILED: refused: ECONNREFUSED/)
      assert.match(result.stdout, /MiniMax-M2\.7\s+not asked: the endpoint is unreachable/)
      assert.include(result.stderr, "asking 127.0.0.1", "progress as it goes")
      assertNoSelfReference(result.stdout)
    }).pipe(Effect.scoped), 30_000)

  it.live("a listener that never answers: a Timeout in a turn; --probe says so within 20 s and gives no advice it cannot follow", () =>
    Effect.gen(function*() {
      const port = yield* silentListener
      const baseUrl = `http://127.0.0.1:${port}/anthropic`
      const failure = yield* turnFailure(baseUrl, { request_timeout_ms: 500 })
      assert.strictEqual(failure.tag, "Timeout")
      assert.include(failure.message, "no response headers within 500 ms")
      const result = yield* probe(baseUrl)
      assert.isBelow(result.elapsedMs, 20_500)
      assert.match(result.stdout, /reachable\s+FAILED: no answer within 15 s/)
      assert.match(result.stdout, /MiniMax-M3\s+not asked: the endpoint is unreachable/)
      assertNoSelfReference(result.stdout)
    }).pipe(Effect.scoped), 45_000)

  it.live("a TLS server with a self-signed certificate: a certificate failure with the CA hint, not retried, in a turn and in --probe", () =>
    Effect.gen(function*() {
      const port = yield* selfSignedTls
      const baseUrl = `https://127.0.0.1:${port}/anthropic`
      const failure = yield* turnFailure(baseUrl, { max_retries: 2 })
      assert.strictEqual(failure.tag, "UpstreamUnavailable")
      assert.include(failure.message, `The TLS connection to 127.0.0.1:${port} failed (certificate or protocol): DEPTH_ZERO_SELF_SIGNED_CERT`)
      assert.include(failure.hint, "NODE_EXTRA_CA_CERTS")
      assert.isFalse(failure.retryable)
      const result = yield* probe(baseUrl)
      assert.match(result.stdout, /reachable\s+FAILED: tls: DEPTH_ZERO_SELF_SIGNED_CERT/)
      assertNoSelfReference(result.stdout)
    }).pipe(Effect.scoped), 30_000)
})
