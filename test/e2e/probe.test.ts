/**
 * `--probe` against the fake MiniMax, run as a person would run it: the models it checks, the
 * Token Plan quota in both body formats, and the three diagnoses of a refused key, with two
 * fakes standing for the two regions (each accepting only its own keys).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EMPTY_KEY, fakeMinimax, makePlexumHome, PAY_KEY, PLUGIN_MAIN, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

const GLOBAL_KEY = "sk-cp-GLOBALkey0123456789abcdefXYZ"
const CN_KEY = "sk-cp-CHINAkey0123456789abcdefXYZW"

const probe = (home: string, args: Array<string>, extraEnv: Record<string, string> = {}) =>
  runCommand(process.execPath, [PLUGIN_MAIN, "--probe", ...args], {
    env: { PATH: "/usr/bin:/bin", PLEXUM_HOME: home, HOME: home, PLEXUM_LOG_LEVEL: "debug", TZ: "Asia/Shanghai", ...extraEnv }
  })

const noKeyIn = (outputs: ReadonlyArray<string>, key: string) => {
  for (const output of outputs) {
    for (let i = 0; i + 12 <= key.length; i++) assert.notInclude(output, key.slice(i, i + 12))
  }
}

describe("--probe", () => {
  it.live("sk-cp- key: exits 0, checks M3, M2.7 and highspeed (ModelNotInPlan 2061); the key stays masked", () =>
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
        repairMarkup: true,
        sources: {
          api_key: "file",
          region: "default",
          base_url: "file",
          auth_header: "default",
          request_timeout_ms: "default",
          stream_idle_timeout_ms: "default",
          max_retries: "default",
          repair_markup: "default"
        }
      })
      assert.deepStrictEqual(report.key, { present: true, kind: "token-plan", masked: `sk-cp-…${TOKEN_PLAN_KEY.slice(-4)}` })
      assert.strictEqual(report.endpoint.reachable, true)
      assert.isNumber(report.endpoint.latencyMs)
      assert.deepStrictEqual(report.models.map((m: { id: string; ok: boolean }) => [m.id, m.ok]), [["MiniMax-M3", true], ["MiniMax-M2.7", true], ["MiniMax-M2.7-highspeed", false]])
      assert.isNumber(report.models[0].ttftMs)
      assert.strictEqual(report.models[2].failure.tag, "ModelNotInPlan")
      assert.strictEqual(report.models[2].failure.upstream.code, 2061)

      const human = yield* probe(home, [])
      assert.strictEqual(human.code, 0)
      assert.include(human.stdout, "Token Plan (sk-cp-)")
      assert.include(human.stdout, "request_timeout_ms 60000 (default), stream_idle_timeout_ms 300000 (default)")
      assert.include(human.stdout, "max_retries 2 (default)")
      assert.include(human.stdout, "MiniMax-M2.7 ")
      assert.include(human.stdout, "MiniMax-M2.7-highspeed")
      assert.include(human.stdout, "ModelNotInPlan")
      assert.notInclude(human.stdout, "\u001b[", "no colour without a TTY")
      noKeyIn([json.stdout, json.stderr, human.stdout, human.stderr], TOKEN_PLAN_KEY)
    }).pipe(Effect.scoped))

  it.live("an empty-balance sk-api- key: exits 1 with InsufficientBalance 1008, and no plan quota", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: EMPTY_KEY, base_url: fake.baseUrl })
      const json = yield* probe(home, ["--json"])
      assert.strictEqual(json.code, 1)
      const report = JSON.parse(json.stdout)
      assert.strictEqual(report.key.kind, "pay-per-token")
      assert.strictEqual(report.models[0].failure.tag, "InsufficientBalance")
      assert.strictEqual(report.models[0].failure.upstream.code, 1008)
      assert.deepStrictEqual(report.quota, { status: "none", reason: "pay-as-you-go (sk-api-) keys have no plan quota" })
      const human = yield* probe(home, [])
      assert.include(human.stdout, "pay-per-token (sk-api-)")
      assert.include(human.stdout, "pay-as-you-go (sk-api-) keys have no plan quota")
      noKeyIn([json.stdout, json.stderr, human.stdout, human.stderr], EMPTY_KEY)
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

describe("--probe: models", () => {
  it.live("--model chooses (repeatable), --all-models checks the catalog, an unknown --model is a usage error (exit 2)", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl })
      const two = JSON.parse((yield* probe(home, ["--json", "--model", "MiniMax-M2.5", "--model", "MiniMax-M2"])).stdout)
      assert.deepStrictEqual(two.models.map((m: { id: string }) => m.id), ["MiniMax-M2.5", "MiniMax-M2"])
      const all = JSON.parse((yield* probe(home, ["--json", "--all-models"])).stdout)
      assert.strictEqual(all.models.length, 10, "the whole catalog: §7 and §8")
      const unknown = yield* probe(home, ["--model", "MiniMax-M9"])
      assert.strictEqual(unknown.code, 2)
      assert.include(unknown.stdout, "--model MiniMax-M9")
      const help = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--help"], { env: process.env })
      for (const flag of ["--probe", "--json", "--model", "--all-models"]) assert.include(help.stdout, flag)
    }).pipe(Effect.scoped))

  it.live("a model that is answered by another model is flagged, naming both, the answering one in a column of its own", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const extra = { id: "MiniMax-M9", displayName: "M9", contextWindow: 1000, maxOutputTokens: 100, supports: { thinking: true, tools: true, images: false } }
      const { home } = makePlexumHome({ api_key: PAY_KEY, base_url: fake.baseUrl, models: [extra] })
      const json = JSON.parse((yield* probe(home, ["--json", "--model", "MiniMax-M9"])).stdout)
      assert.deepStrictEqual([json.models[0].ok, json.models[0].answeredBy], [true, "MiniMax-M2.7"])
      const human = yield* probe(home, ["--model", "MiniMax-M9"])
      assert.match(human.stdout, /^  MiniMax-M9 +ok, first token after \d+ ms +answered by MiniMax-M2\.7$/m)
    }).pipe(Effect.scoped))
})

describe("--probe: Token Plan quota", () => {
  it.live("the new format: general first, an exhausted window, the week's share, local reset times; video (not in the plan) skipped", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const fake = yield* fakeMinimax({ quotaFormat: "new", quotaNow: now })
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const json = yield* probe(home, ["--json", "--model", "MiniMax-M2.7"])
      const quota = JSON.parse(json.stdout).quota
      assert.strictEqual(quota.status, "ok")
      assert.strictEqual(quota.host, fake.url)
      assert.deepStrictEqual(quota.buckets.map((b: { name: string }) => b.name), ["general"])
      const [current, weekly] = quota.buckets[0].windows
      assert.deepStrictEqual([current.window, current.state, current.leftPercent], ["current", "exhausted", 0])
      assert.deepStrictEqual([weekly.window, weekly.state, weekly.leftPercent], ["weekly", "normal", 61])
      assert.isAbove(current.resetsInMs, 2 * 3_600_000 + 13 * 60_000)
      assert.isBelow(current.resetsInMs, 2 * 3_600_000 + 15 * 60_000)
      assert.isUndefined(current.used, "counts only where there is no percentage")
      const human = yield* probe(home, ["--model", "MiniMax-M2.7"])
      assert.include(human.stdout, "window: exhausted (0 % left), resets ")
      assert.match(human.stdout, /, in 2 h 1[34] min/)
      assert.include(human.stdout, "week: 61 % left")
      // Shanghai is UTC+8 all year: the reset as "YYYY-MM-DD HH:MM (Asia/Shanghai)".
      const shanghai = new Date(current.resetsAt + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ")
      assert.include(human.stdout, `resets ${shanghai} (Asia/Shanghai)`)
      noKeyIn([json.stdout, json.stderr, human.stdout, human.stderr], TOKEN_PLAN_KEY)
    }).pipe(Effect.scoped))

  it.live("the old format: counts, as left of total", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ quotaFormat: "old" })
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const quota = JSON.parse((yield* probe(home, ["--json", "--model", "MiniMax-M2.7"])).stdout).quota
      assert.deepStrictEqual(quota.buckets.map((b: { name: string }) => b.name), ["MiniMax-M*"])
      assert.deepStrictEqual([quota.buckets[0].windows[0].used, quota.buckets[0].windows[0].total], [228, 1500])
      const human = yield* probe(home, ["--model", "MiniMax-M2.7"])
      assert.include(human.stdout, "window: 1272 of 1500 left")
    }).pipe(Effect.scoped))
})

describe("--probe: wrong region, wrong header or wrong key", () => {
  /** Two fakes as the two regions, each knowing only its own key; the config points region_hosts at them. */
  const regions = (key: string, fakeOptions: { readonly authField?: "bearer" | "x-api-key" } = {}) =>
    Effect.gen(function*() {
      const global = yield* fakeMinimax({ acceptKey: (k) => k === GLOBAL_KEY, ...fakeOptions })
      const cn = yield* fakeMinimax({ acceptKey: (k) => k === CN_KEY })
      const { home } = makePlexumHome({ api_key: key, region: "global", region_hosts: { global: global.url, cn: cn.url } })
      const json = yield* probe(home, ["--json", "--model", "MiniMax-M2.7"])
      const human = yield* probe(home, ["--model", "MiniMax-M2.7"])
      noKeyIn([json.stdout, json.stderr, human.stdout, human.stderr], key)
      return { report: JSON.parse(json.stdout), code: json.code, human: human.stdout, global, cn }
    })

  it.live("a key of the other region: the other host accepts it; set region to cn", () =>
    Effect.gen(function*() {
      const { cn, code, human, report } = yield* regions(CN_KEY)
      assert.strictEqual(code, 1)
      assert.strictEqual(report.auth.verdict, "wrong-region")
      assert.strictEqual(report.auth.fix, `"region": "cn"`)
      assert.deepStrictEqual(report.auth.checks[0], { host: cn.url, header: "bearer", question: "messages", answer: "accepted" })
      assert.strictEqual(report.quota.status, "unreadable")
      assert.strictEqual(report.quota.code, 2049)
      assert.include(human, `set "region": "cn" in config.json`)
    }).pipe(Effect.scoped))

  it.live("an account that wants X-Api-Key: the same host accepts the other header; set auth_header", () =>
    Effect.gen(function*() {
      const { human, report } = yield* regions(GLOBAL_KEY, { authField: "x-api-key" })
      assert.strictEqual(report.auth.verdict, "wrong-header")
      assert.strictEqual(report.auth.fix, `"auth_header": "x-api-key"`)
      assert.include(human, `set "auth_header": "x-api-key" in config.json`)
    }).pipe(Effect.scoped))

  it.live("a key no host accepts: wrong or expired", () =>
    Effect.gen(function*() {
      const { code, human, report } = yield* regions("sk-cp-NOBODYknows0123456789abcdefXY")
      assert.strictEqual(code, 1)
      assert.strictEqual(report.auth.verdict, "wrong-key")
      assert.deepStrictEqual(report.auth.checks.map((c: { answer: string }) => c.answer), ["refused", "refused"])
      assert.include(human, "no host accepts the key")
    }).pipe(Effect.scoped))

  it.live("without base_url, messages go to the region host's /anthropic", () =>
    Effect.gen(function*() {
      const { global, report } = yield* regions(GLOBAL_KEY)
      assert.strictEqual(report.config.baseUrl, `${global.url}/anthropic`)
      assert.isUndefined(report.auth)
      assert.strictEqual(report.models[0].ok, true)
    }).pipe(Effect.scoped))
})
