/**
 * `--probe` against the fake MiniMax through base_url, run as a person would run it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EMPTY_KEY, fakeMinimax, makePlexumHome, PLUGIN_MAIN, runCommand, TOKEN_PLAN_KEY } from "./support/plugin.ts"

const probe = (home: string, args: Array<string>) =>
  runCommand(process.execPath, [PLUGIN_MAIN, "--probe", ...args], { env: { PATH: "/usr/bin:/bin", PLEXUM_HOME: home, HOME: home, PLEXUM_LOG_LEVEL: "debug" } })

describe("--probe", () => {
  it.live("sk-cp- key: exits 0, M2.7 ok, highspeed ModelNotInPlan 2061; the key stays masked", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home, configPath } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const json = yield* probe(home, ["--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      const report = JSON.parse(json.stdout)
      assert.deepStrictEqual(report.config, {
        path: configPath,
        found: true,
        mode: "0600",
        region: "global",
        baseUrl: fake.baseUrl,
        authHeader: "bearer",
        requestTimeoutMs: 60_000,
        streamIdleTimeoutMs: 300_000,
        maxRetries: 2,
        repairMarkup: true
      })
      assert.deepStrictEqual(report.key, { present: true, kind: "token-plan", masked: `sk-cp-…${TOKEN_PLAN_KEY.slice(-4)}` })
      assert.strictEqual(report.endpoint.reachable, true)
      assert.isNumber(report.endpoint.latencyMs)
      assert.strictEqual(report.models[0].id, "MiniMax-M2.7")
      assert.strictEqual(report.models[0].ok, true)
      assert.isNumber(report.models[0].ttftMs)
      assert.strictEqual(report.models[1].id, "MiniMax-M2.7-highspeed")
      assert.strictEqual(report.models[1].ok, false)
      assert.strictEqual(report.models[1].failure.tag, "ModelNotInPlan")
      assert.strictEqual(report.models[1].failure.upstream.code, 2061)

      const human = yield* probe(home, [])
      assert.strictEqual(human.code, 0)
      assert.include(human.stdout, "Token Plan (sk-cp-)")
      assert.include(human.stdout, "request_timeout_ms 60000, stream_idle_timeout_ms 300000")
      assert.include(human.stdout, "max_retries 2")
      assert.include(human.stdout, "MiniMax-M2.7 ")
      assert.include(human.stdout, "MiniMax-M2.7-highspeed")
      assert.include(human.stdout, "ModelNotInPlan")
      assert.notInclude(human.stdout, "\u001b[", "no colour without a TTY")
      for (const output of [json.stdout, json.stderr, human.stdout, human.stderr]) assert.notInclude(output, TOKEN_PLAN_KEY)
    }).pipe(Effect.scoped))

  it.live("an empty-balance sk-api- key: exits 1 with InsufficientBalance 1008", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: EMPTY_KEY, base_url: fake.baseUrl })
      const json = yield* probe(home, ["--json"])
      assert.strictEqual(json.code, 1)
      const report = JSON.parse(json.stdout)
      assert.strictEqual(report.key.kind, "pay-per-token")
      assert.strictEqual(report.models[0].failure.tag, "InsufficientBalance")
      assert.strictEqual(report.models[0].failure.upstream.code, 1008)
      const human = yield* probe(home, [])
      assert.include(human.stdout, "pay-per-token (sk-api-)")
      for (const output of [json.stdout, json.stderr, human.stdout, human.stderr]) assert.notInclude(output, EMPTY_KEY)
    }).pipe(Effect.scoped))

  it.live("no config: exits 2, names the path and says what to put in it", () =>
    Effect.gen(function*() {
      const { home, configPath } = makePlexumHome()
      const human = yield* probe(home, [])
      assert.strictEqual(human.code, 2)
      assert.include(human.stdout, configPath)
      assert.include(human.stdout, "api_key")
      const json = yield* probe(home, ["--json"])
      assert.strictEqual(json.code, 2)
      assert.strictEqual(JSON.parse(json.stdout).config.found, false)
    }).pipe(Effect.scoped))
})
