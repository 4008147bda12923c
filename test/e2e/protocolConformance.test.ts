/**
 * Protocol conformance (plexum-provider-protocol.md §1–§5), against the spawned plugin.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { fakeMinimax, makePlexumHome, PAY_KEY, PLUGIN_MAIN, pluginEnv, ROOT, runCommand, spawnPlugin, userTurn } from "../support/plugin.ts"

const expectRpcError = <A, E extends { readonly code: number }>(effect: Effect.Effect<A, E>) =>
  Effect.flip(effect)

const elapsedSince = (start: number) => Date.now() - start

describe("plexum-plugin.json", () => {
  it("declares the provider, runs dist/main.js with node and agrees with package.json's version and start script", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "plexum-plugin.json"), "utf8"))
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))
    assert.deepStrictEqual(
      { id: manifest.id, kind: manifest.kind, protocol: manifest.protocol },
      { id: "plexum-minimax-provider", kind: "provider", protocol: 1 }
    )
    assert.strictEqual(manifest.command[0], "node")
    assert.strictEqual(manifest.command.at(-1), "dist/main.js")
    assert.strictEqual(manifest.version, pkg.version)
    assert.strictEqual(pkg.scripts.start, manifest.command.join(" "))
  })
})

describe("spawned plugin, no config", () => {
  it.live("initialize lists the catalog's ten models (§7 and §8) even without config", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      const result = yield* host.initialize()
      assert.strictEqual(result.protocolVersion, 1)
      assert.deepStrictEqual(result.plugin, { id: "plexum-minimax-provider", version: "0.1.0" })
      assert.strictEqual(result.kind, "provider")
      assert.deepStrictEqual(result.models.map((m) => m.id), [
        "MiniMax-M2.7",
        "MiniMax-M2.7-highspeed",
        "MiniMax-M3",
        "MiniMax-M3[1m]",
        "MiniMax-M3.1-Flash-Preview",
        "MiniMax-M2.5",
        "MiniMax-M2.5-highspeed",
        "MiniMax-M2.1",
        "MiniMax-M2.1-highspeed",
        "MiniMax-M2"
      ])
      for (const model of result.models) {
        const m3 = model.id.startsWith("MiniMax-M3")
        const m31 = model.id.startsWith("MiniMax-M3.1")
        assert.strictEqual(model.contextWindow, m3 ? 1_000_000 : 204_800)
        assert.strictEqual(model.maxOutputTokens, m31 ? 131_072 : m3 ? 524_288 : 131_072)
        assert.deepStrictEqual(model.supports, { thinking: true, tools: true, images: m3 })
        assert.isString(model.note)
      }
      const models = yield* host.models
      assert.deepStrictEqual(models, result.models)
    }).pipe(Effect.scoped))

  it.live("a turn fails with -32001 ConfigInvalid naming the file", () =>
    Effect.gen(function*() {
      const { home, configPath } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const error = yield* expectRpcError(host.turnCollect("t1", userTurn("hi")))
      assert.strictEqual(error.code, -32001)
      const data = error.data as { tag: string; message: string; retryable: boolean }
      assert.strictEqual(data.tag, "ConfigInvalid")
      assert.include(data.message, configPath)
      assert.strictEqual(data.retryable, false)
    }).pipe(Effect.scoped))

  it.live("an invalid config.json is reported with the file and the field, and initialize still succeeds", () =>
    Effect.gen(function*() {
      const { home, configPath } = makePlexumHome({ api_key: "sk-cp-abcdefghijklmnopqrstuvwxyz", region: "mars" })
      const host = yield* spawnPlugin(pluginEnv(home))
      const init = yield* host.initialize()
      assert.strictEqual(init.models.length, 10)
      const error = yield* expectRpcError(host.turnCollect("t1", userTurn("hi")))
      const data = error.data as { tag: string; message: string }
      assert.strictEqual(data.tag, "ConfigInvalid")
      assert.include(data.message, configPath)
      assert.include(data.message, "region")
    }).pipe(Effect.scoped))

  it.live("ping works before initialize; other requests get -32002", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      assert.deepStrictEqual(yield* host.request("ping", {}), {})
      const error = yield* expectRpcError(host.request("provider/models", {}))
      assert.strictEqual(error.code, -32002)
      const turnError = yield* expectRpcError(host.turnCollect("t0", userTurn("hi")))
      assert.strictEqual(turnError.code, -32002)
    }).pipe(Effect.scoped))

  it.live("protocolVersion 2 gets -32602 naming the supported version", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      const error = yield* expectRpcError(host.initialize({ protocolVersion: 2 }))
      assert.strictEqual(error.code, -32602)
      assert.include(error.message, "1")
    }).pipe(Effect.scoped))

  it.live("unknown method -32601; non-JSON -32700 with id null, then serving continues; array -32600", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const unknown = yield* expectRpcError(host.request("provider/frobnicate", {}))
      assert.strictEqual(unknown.code, -32601)
      yield* host.writeRaw("this is not json\n")
      yield* host.writeRaw("[1,2,3]\n")
      assert.deepStrictEqual(yield* host.request("ping", {}), {})
      const unsolicited = (yield* host.unsolicited) as Array<{ id: unknown; error: { code: number } }>
      assert.deepStrictEqual(unsolicited.map((m) => [m.id, m.error.code]), [[null, -32700], [null, -32600]])
    }).pipe(Effect.scoped))

  it.live("an invalid TurnRequest gets -32602 with data.issues paths", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const error = yield* expectRpcError(host.request("provider/turn", {
        turnId: "bad",
        request: { model: "MiniMax-M2.7", messages: [{ role: "system", content: "x" }], maxTokens: -5 }
      }))
      assert.strictEqual(error.code, -32602)
      const issues = (error.data as { issues: Array<{ path: string; message: string }> }).issues
      const paths = issues.map((i) => i.path)
      assert.include(paths, "request.messages[0].role")
      assert.include(paths, "request.maxTokens")
      for (const issue of issues) assert.isString(issue.message)
    }).pipe(Effect.scoped))

  it.live("shutdown answers null and the process exits 0; stdout holds only JSON-RPC lines", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home, { PLEXUM_LOG_LEVEL: "debug" }))
      yield* host.initialize()
      yield* host.writeRaw("garbage\n")
      assert.isNull(yield* host.shutdown)
      const exit = yield* host.exited
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      const lines = yield* host.stdoutLines
      assert.isAbove(lines.length, 0)
      for (const line of lines) assert.strictEqual(JSON.parse(line).jsonrpc, "2.0")
    }).pipe(Effect.scoped))

  it.live("stdin EOF: exit 0 within 2 s", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const start = Date.now()
      yield* host.closeStdin
      const exit = yield* host.exited
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.isBelow(elapsedSince(start), 2_000)
    }).pipe(Effect.scoped))

  it.live("SIGTERM: exit 0 within 2 s", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const host = yield* spawnPlugin(pluginEnv(home))
      yield* host.initialize()
      const start = Date.now()
      yield* host.kill("SIGTERM")
      const exit = yield* host.exited
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.isBelow(elapsedSince(start), 2_000)
    }).pipe(Effect.scoped))

  it.live("--version and --help print and exit 0", () =>
    Effect.gen(function*() {
      const version = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--version"], { env: process.env })
      assert.strictEqual(version.code, 0)
      assert.strictEqual(version.stdout.trim(), "0.1.0")
      const help = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--help"], { env: process.env })
      assert.strictEqual(help.code, 0)
      assert.include(help.stdout, "--probe")
    }))
})

describe("spawned plugin, with config", () => {
  it.live("after initialize, the HTTP client loads in the background: ready before the first turn, sending nothing", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      const host = yield* spawnPlugin(pluginEnv(home, { PLEXUM_LOG_LEVEL: "debug" }))
      yield* host.initialize()
      const loaded = host.stderr.pipe(
        Effect.flatMap((stderr) => stderr.includes("HTTP client loaded ahead of the first request") ? Effect.void : Effect.fail("not yet")),
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 60 })
      )
      yield* loaded
      assert.strictEqual(fake.requests.length, 0)
      const { result } = yield* host.turnCollect("first", userTurn("hello"))
      assert.strictEqual(result.stopReason, "end_turn")
    }).pipe(Effect.scoped))
})
