/**
 * What serving loads before it answers `initialize`: none of Node's modules that only turns,
 * the ledger or telemetry need (they load after the answer, in the background), and none that
 * an `import` of node:fs would drag in with its namespace (fs/promises,
 * readline, the REPL's history). Each costs milliseconds of every start (bench row b).
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makePlexumHome, PAY_KEY, pluginEnv, ROOT, spawnPlugin } from "../support/plugin.ts"

const NOT_BEFORE_INITIALIZE = [
  "NativeModule http",
  "NativeModule https",
  "NativeModule tls",
  "NativeModule crypto",
  "NativeModule internal/fs/promises",
  "NativeModule internal/readline/interface",
  "NativeModule internal/repl/history"
]

/** The built-in modules loaded when the plugin wrote its answer to `initialize`. */
const loadedAtInitialize = (extraEnv: Record<string, string>) =>
  Effect.gen(function*() {
    const loadsFile = join(mkdtempSync(join(tmpdir(), "plexum-loads-")), "loads.txt")
    const { home } = makePlexumHome({ api_keys: [{ key: PAY_KEY }, { key: "sk-cp-TESTKEYsecondkey0123456789abc" }], base_url: "http://127.0.0.1:9" })
    const preload = join(ROOT, "test/fixtures/recordLoadsAtFirstOutput.mjs")
    const host = yield* spawnPlugin(pluginEnv(home, { NODE_OPTIONS: `--import=${preload}`, LOADS_FILE: loadsFile, ...extraEnv }))
    yield* host.initialize()
    yield* host.shutdown
    return readFileSync(loadsFile, "utf8").split("\n")
  }).pipe(Effect.scoped)

describe("start-up", () => {
  it.live("the answer to initialize comes before the HTTP client, crypto, and what node:fs's namespace would load", () =>
    Effect.gen(function*() {
      const loaded = yield* loadedAtInitialize({})
      assert.include(loaded, "NativeModule net", "the list is the plugin's own: stdio is a socket")
      for (const module of NOT_BEFORE_INITIALIZE) assert.notInclude(loaded, module)
    }), 30_000)

  it.live("with OpenTelemetry configured, its exporters too wait until after the answer", () =>
    Effect.gen(function*() {
      const loaded = yield* loadedAtInitialize({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" })
      for (const module of NOT_BEFORE_INITIALIZE) assert.notInclude(loaded, module)
    }), 30_000)
})
