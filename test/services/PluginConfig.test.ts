/**
 * PluginConfig on real files in a temp folder and a fixed environment: defaults, overrides,
 * and every way a config can be wrong, each a ConfigInvalid that names the file and the field
 * and never shows the key.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { normaliseBaseUrl, PluginConfig } from "../../src/services/PluginConfig.ts"

const KEY = "sk-cp-CONFIGtest0123456789abcdef"

const pluginDirWith = (contents?: string) => {
  const dir = mkdtempSync(join(tmpdir(), "plugin-config-"))
  if (contents !== undefined) writeFileSync(join(dir, "config.json"), contents, { mode: 0o600 })
  return dir
}

const load = (pluginDir: string, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const config = yield* PluginConfig
    return yield* Effect.result(config.load(pluginDir))
  }).pipe(
    Effect.provide(PluginConfig.layer.pipe(Layer.provide(NodeFileSystem.layer))),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown({ HOME: "/nonexistent", ...env }))
  )

const failureOf = (pluginDir: string, env: Record<string, string> = {}) =>
  Effect.map(load(pluginDir, env), (result) => {
    assert.strictEqual(result._tag, "Failure")
    const failure = result._tag === "Failure" ? result.failure : undefined!
    assert.strictEqual(failure._tag, "ConfigInvalid")
    assert.notInclude(JSON.stringify(failure), KEY)
    return failure
  })

describe("PluginConfig", () => {
  it.effect("defaults fill what the file leaves out", () =>
    Effect.gen(function*() {
      const result = yield* load(pluginDirWith(JSON.stringify({ api_key: KEY })))
      assert.strictEqual(result._tag, "Success")
      if (result._tag !== "Success") return
      const config = result.success
      assert.strictEqual(Redacted.value(config.apiKey), KEY)
      assert.deepStrictEqual(
        [config.region, config.baseUrl, config.authHeader, config.maxTokensDefault, config.requestTimeoutMs, config.maxRetries],
        ["global", "https://api.minimax.io/anthropic", "bearer", 4096, 60_000, 2]
      )
    }))

  it.effect("the environment overrides the file: key, region, base URL", () =>
    Effect.gen(function*() {
      const result = yield* load(pluginDirWith(JSON.stringify({ api_key: "sk-cp-other0123456789" })), {
        MINIMAX_API_KEY: ` ${KEY} `,
        MINIMAX_REGION: "CN"
      })
      assert.strictEqual(result._tag, "Success")
      if (result._tag !== "Success") return
      assert.deepStrictEqual([Redacted.value(result.success.apiKey), result.success.region, result.success.baseUrl], [KEY, "cn", "https://api.minimaxi.com/anthropic"])
    }))

  it.effect("a missing file, invalid JSON, a wrong field: each names the file and the field", () =>
    Effect.gen(function*() {
      const missing = yield* failureOf(pluginDirWith())
      assert.include(missing.message, "config.json")
      const notJson = yield* failureOf(pluginDirWith("{api_key: nope"))
      assert.include(notJson.message, "not valid JSON")
      const wrong = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: KEY, max_retries: 99 })))
      assert.include(wrong.message, "max_retries")
    }))

  it.effect("hardening 10: a key with a character a header cannot carry names it and its position, never the key", () =>
    Effect.gen(function*() {
      const failure = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: `${KEY}\u200b` })))
      assert.include(failure.message, "U+200B")
      assert.include(failure.message, `position ${KEY.length + 1}`)
      assert.notInclude(failure.message + failure.hint, KEY.slice(6, 18))
    }))

  it.effect("hardening 11: a base_url with a query or fragment is refused with the reason", () =>
    Effect.gen(function*() {
      for (const base_url of ["https://api.minimax.io/anthropic?group=1", "https://api.minimax.io/anthropic#x"]) {
        const failure = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: KEY, base_url })))
        assert.include(failure.message, "base_url")
        assert.include(failure.message, "query")
      }
    }))

  it.effect("hardening 2: a base_url or region host that carries the key is refused, without repeating it", () =>
    Effect.gen(function*() {
      const inPath = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: KEY, base_url: `https://proxy.example/${KEY}/anthropic` })))
      assert.include(inPath.message, "contains the API key")
      const inHost = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: KEY, region_hosts: { cn: `https://proxy.example/${KEY.slice(2, 20)}` } })))
      assert.include(inHost.message, "region_hosts.cn")
    }))

  it.effect("hardening 3: a FIFO, a link to /dev/zero and a file over 1 MiB are refused at once", () =>
    Effect.gen(function*() {
      const fifo = pluginDirWith()
      execFileSync("mkfifo", [join(fifo, "config.json")])
      assert.include((yield* failureOf(fifo)).message, "not a regular file")
      const zero = pluginDirWith()
      symlinkSync("/dev/zero", join(zero, "config.json"))
      assert.include((yield* failureOf(zero)).message, "not a regular file")
      const big = pluginDirWith(JSON.stringify({ api_key: KEY, pad: "x".repeat(1024 * 1024) }))
      assert.include((yield* failureOf(big)).message, "larger than")
      const dir = pluginDirWith()
      mkdirSync(join(dir, "config.json"))
      assert.include((yield* failureOf(dir)).message, "not a regular file")
    }))
})

describe("normaliseBaseUrl", () => {
  it("accepts a trailing / or /v1, never producing /v1/v1", () => {
    for (const raw of ["https://h.example/anthropic", "https://h.example/anthropic/", "https://h.example/anthropic/v1", "https://h.example/anthropic/v1/"]) {
      assert.deepStrictEqual(normaliseBaseUrl(raw), { ok: true, url: "https://h.example/anthropic" })
    }
  })

  it("refuses plain http off loopback, credentials, a key in place of a URL", () => {
    for (const raw of ["http://h.example/anthropic", "https://u:p@h.example/anthropic", "sk-cp-abc123", "not a url"]) {
      assert.isFalse(normaliseBaseUrl(raw).ok, raw)
    }
    assert.isTrue(normaliseBaseUrl("http://127.0.0.1:8787/anthropic").ok)
  })

  it.effect("region cn: messages go to the first host of the cn list, api.minimaxi.com, with api.minimax.cn after it; region_hosts may be a list", () =>
    Effect.gen(function*() {
      const byDefault = yield* load(pluginDirWith(JSON.stringify({ api_key: KEY, region: "cn" })))
      assert.strictEqual(byDefault._tag, "Success")
      const config = byDefault._tag === "Success" ? byDefault.success : undefined!
      assert.strictEqual(config.baseUrl, "https://api.minimaxi.com/anthropic")
      assert.deepStrictEqual(config.regionHosts.cn, ["https://api.minimaxi.com", "https://api.minimax.cn"])
      const listed = yield* load(pluginDirWith(JSON.stringify({ api_key: KEY, region: "cn", region_hosts: { cn: ["https://api.minimax.cn/", "https://api.minimaxi.com"] } })))
      assert.strictEqual(listed._tag === "Success" ? listed.success.baseUrl : "", "https://api.minimax.cn/anthropic")
      const bad = yield* failureOf(pluginDirWith(JSON.stringify({ api_key: KEY, region_hosts: { cn: ["https://ok.example", "ftp://no"] } })))
      assert.include(bad.message, "region_hosts.cn[1]")
    }))
})
