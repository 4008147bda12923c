/**
 * MiniMax as it is in December 2026 (minimax-upstream.md §8), through the spawned plugin and a
 * fake that behaves as §8 says: M3.1 and its effort, the upstream's own model list, context
 * overflow as 2013, the new plan wording, invalid tool types, and the markup M3 writes now.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type FakeMinimaxOptions, minimaxError } from "../../fake/FakeMinimax.ts"
import { hex, messageEnd, messageStart, textBlock } from "../../fake/transcripts.ts"
import { fakeMinimax, makePlexumHome, PLUGIN_MAIN, pluginAgainst, pluginEnv, runCommand, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

const M31 = "MiniMax-M3.1-Flash-Preview"

const bodies = (fake: { readonly requests: ReadonlyArray<{ readonly path: string; readonly body: any }> }) =>
  fake.requests.filter((r) => r.path.endsWith("/v1/messages")).map((r) => r.body)

const withFake = (options: FakeMinimaxOptions = {}, config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const fake = yield* fakeMinimax(options)
    const host = yield* pluginAgainst(fake, TOKEN_PLAN_KEY, config)
    return { fake, host }
  })

const failureData = (error: unknown) => (error as { data: { tag: string; message: string; hint?: string; retryable: boolean } }).data

describe("M3.1 and its effort", () => {
  it.live("thinking disabled is sent as adaptive at effort low (M3.1 refuses disabled), said once at info as a repair", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      for (const id of ["a", "b"]) yield* host.turnCollect(id, { ...userTurn("hi", M31), thinking: { type: "disabled" } })
      for (const body of bodies(fake)) {
        assert.deepStrictEqual(body.thinking, { type: "adaptive" })
        assert.deepStrictEqual(body.output_config, { effort: "low" })
      }
      yield* Effect.sleep(100)
      const repairs = (yield* host.stderr).split("\n").filter((line) => line.includes("always think and refuse thinking disabled"))
      assert.strictEqual(repairs.length, 1)
      assert.include(repairs[0], "level=INFO")
    }).pipe(Effect.scoped), 30_000)

  it.live("a thinking budget maps to an effort; no thinking field sends config's effort, else none (MiniMax's default)", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      const budgets: ReadonlyArray<readonly [number, string]> = [[1024, "low"], [2048, "low"], [8000, "medium"], [16_384, "high"], [30_000, "xhigh"], [64_000, "max"]]
      for (const [budgetTokens] of budgets) yield* host.turnCollect(`b${budgetTokens}`, { ...userTurn("hi", M31), thinking: { type: "enabled", budgetTokens } })
      yield* host.turnCollect("none", userTurn("hi", M31))
      const sent = bodies(fake)
      assert.deepStrictEqual(sent.slice(0, budgets.length).map((body) => body.output_config?.effort), budgets.map(([, effort]) => effort))
      assert.isUndefined(sent.at(-1).output_config, "no thinking field and no configured effort: MiniMax's default")
      assert.deepStrictEqual(sent.at(-1).thinking, { type: "adaptive" })
      const descriptor = { id: M31, displayName: "M3.1", contextWindow: 1_000_000, maxOutputTokens: 131_072, supports: { thinking: true, tools: true, images: true } }
      const configured = yield* withFake({}, { models: [{ ...descriptor, effort: "medium" }] })
      yield* configured.host.turnCollect("c", userTurn("hi", M31))
      assert.deepStrictEqual(bodies(configured.fake)[0].output_config, { effort: "medium" })
    }).pipe(Effect.scoped), 30_000)

  it.live("when MiniMax refuses output_config, the effort is dropped for that model for the life of the process, with one warning", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake({ refuseEffortField: true })
      for (const id of ["a", "b", "c"]) yield* host.turnCollect(id, { ...userTurn("hi", M31), thinking: { type: "enabled", budgetTokens: 4000 } })
      assert.deepStrictEqual(bodies(fake).map((body) => body.output_config?.effort), ["medium", undefined, undefined, undefined])
      yield* Effect.sleep(100)
      const warnings = (yield* host.stderr).split("\n").filter((line) => line.includes("refused output_config.effort"))
      assert.strictEqual(warnings.length, 1)
    }).pipe(Effect.scoped), 30_000)

  it.live("M3 is never sent thinking enabled (which it now refuses with 2013): adaptive, or disabled when asked", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      yield* host.turnCollect("a", { ...userTurn("hi", "MiniMax-M3"), thinking: { type: "enabled", budgetTokens: 5000 } })
      yield* host.turnCollect("b", { ...userTurn("hi", "MiniMax-M3[1m]"), thinking: { type: "disabled" } })
      assert.deepStrictEqual(bodies(fake).map((body) => body.thinking), [{ type: "adaptive" }, { type: "disabled" }])
    }).pipe(Effect.scoped), 30_000)
})

describe("MiniMax's own model list", () => {
  it.live("an id only on the upstream's list is served and appears in provider/models; an id on neither is still refused", () =>
    Effect.gen(function*() {
      const NEW = "MiniMax-M3.1-Pro"
      const { fake, host } = yield* withFake({ modelList: ["MiniMax-M3", "MiniMax-M2.7", NEW, "MiniMax-M2.5"] })
      yield* Effect.suspend(() => fake.modelListRequests.length > 0 ? Effect.void : Effect.fail("not yet")).pipe(Effect.eventually, Effect.timeout(5_000))
      yield* Effect.sleep(200)
      const models = yield* host.models
      const added = models.find((model) => model.id === NEW)
      assert.isDefined(added, "provider/models answers the merged list")
      assert.deepStrictEqual([added!.contextWindow, added!.supports.images], [1_000_000, true], "M3.1's figures, by the longest known prefix")
      const served = yield* host.turnCollect("a", { ...userTurn("hi", NEW), thinking: { type: "disabled" } })
      assert.strictEqual(served.result.stopReason, "end_turn")
      assert.deepStrictEqual(bodies(fake)[0].thinking, { type: "adaptive" }, "sent as M3.1")
      const refused = failureData(yield* Effect.flip(host.turnCollect("b", userTurn("hi", "MiniMax-M7"))))
      assert.strictEqual(refused.tag, "InvalidRequest")
      assert.include(fake.modelListRequests[0]!.path, "/v1/models")
    }).pipe(Effect.scoped), 30_000)

  it.live("all pages are read; a list that cannot be read changes nothing", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 130 }, (_, i) => `MiniMax-M2-variant-${i}`)
      const paged = yield* withFake({ modelList: ids })
      yield* Effect.suspend(() => paged.fake.modelListRequests.length >= 2 ? Effect.void : Effect.fail("not yet")).pipe(Effect.eventually, Effect.timeout(5_000))
      yield* Effect.sleep(200)
      assert.isTrue((yield* paged.host.models).some((model) => model.id === "MiniMax-M2-variant-129"))
      const absent = yield* withFake({ modelList: "absent" })
      yield* Effect.sleep(500)
      assert.strictEqual((yield* absent.host.models).length, 10)
      yield* absent.host.turnCollect("a", userTurn("hi"))
    }).pipe(Effect.scoped), 30_000)

  it.live("--probe reads the list and shows models on it the catalog lacks, and catalog models missing from it, as neither an error", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ modelList: ["MiniMax-M3", "MiniMax-M2.7", "MiniMax-M3.1-Pro"] })
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const result = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--probe", "--model", "MiniMax-M2.7"], { env: pluginEnv(home) })
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /listed only\s+MiniMax-M3\.1-Pro/)
      assert.match(result.stdout, /not listed\s+MiniMax-M2\.7-highspeed, .*MiniMax-M3\[1m\]/)
    }).pipe(Effect.scoped), 30_000)
})

describe("December's failures", () => {
  it.live("a 2013 saying the context window is exceeded is ContextTooLong with a hint to compact; an invalid tool type is InvalidRequest naming plain tools", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      fake.script({ kind: "error", status: 400, body: minimaxError(400, "bad_request_error", "invalid params, context window exceeds limit (2013)") })
      const overflow = failureData(yield* Effect.flip(host.turnCollect("a", userTurn("hi"))))
      assert.deepStrictEqual([overflow.tag, overflow.retryable], ["ContextTooLong", false])
      assert.include(overflow.hint, "compact")
      fake.script({ kind: "error", status: 400, body: minimaxError(400, "bad_request_error", "invalid tool type: (2013)") })
      const tool = failureData(yield* Effect.flip(host.turnCollect("b", userTurn("hi"))))
      assert.strictEqual(tool.tag, "InvalidRequest")
      assert.include(tool.hint, "only plain tools")
    }).pipe(Effect.scoped), 30_000)

  it.live("the new 2056 wording is the plan spent, RateLimited naming the plan, never AuthFailed", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      fake.script({ kind: "error", status: 429, body: minimaxError(429, "rate_limit_error", "Token Plan quota limit has been reached: please upgrade the Token Plan package or purchase credits to replenish usage. (2056)") })
      const spent = failureData(yield* Effect.flip(host.turnCollect("a", userTurn("hi"))))
      assert.deepStrictEqual([spent.tag, spent.retryable], ["RateLimited", false])
      assert.include(spent.message, "Token Plan")
    }).pipe(Effect.scoped), 30_000)
})

describe("the markup M3 writes now", () => {
  const streamOf = (deltas: ReadonlyArray<string>) => ({
    kind: "sse" as const,
    frames: [messageStart("MiniMax-M3", hex("mm", 32)), ...textBlock(0, deltas), ...messageEnd("end_turn", { input_tokens: 3, output_tokens: 4 })],
    chunkSize: 7
  })

  it.live("<mm:think> streamed in pieces becomes a thinking block; a stray closer at the start of a text block is dropped, anywhere else kept", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake()
      fake.script(streamOf(["\n\n<mm:", "think>plan the ", "answer</mm:th", "ink>\n\nThe answer."]))
      const thought = yield* host.turnCollect("a", userTurn("hi", "MiniMax-M3"))
      assert.deepStrictEqual(thought.result.content, [{ type: "thinking", thinking: "plan the answer", signature: "" }, { type: "text", text: "\n\nThe answer." }])
      fake.script(streamOf(["</th", "inking>Answer, and a quoted </think> stays."]))
      const stray = yield* host.turnCollect("b", userTurn("hi", "MiniMax-M3"))
      assert.deepStrictEqual(stray.result.content, [{ type: "text", text: "Answer, and a quoted </think> stays." }])
    }).pipe(Effect.scoped), 30_000)

  it.live("repair_markup: false keeps both as the text they were", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* withFake({}, { repair_markup: false })
      fake.script(streamOf(["</mm:think>", "<mm:think>x</mm:think>y"]))
      const kept = yield* host.turnCollect("a", userTurn("hi", "MiniMax-M3"))
      assert.deepStrictEqual(kept.result.content, [{ type: "text", text: "</mm:think><mm:think>x</mm:think>y" }])
    }).pipe(Effect.scoped), 30_000)
})


describe("China's hosts", () => {
  const CN_KEY = "sk-cp-CHINAkey0123456789abcdefXYZW"

  it.live("the region check asks each host of the other region's list and says which answered, suggesting it first when a later one did", () =>
    Effect.gen(function*() {
      const global = yield* fakeMinimax({ acceptKey: () => false })
      const cn = yield* fakeMinimax({ acceptKey: (k) => k === CN_KEY })
      const { home } = makePlexumHome({ api_key: CN_KEY, region: "global", region_hosts: { global: global.url, cn: ["http://127.0.0.1:1", cn.url] } })
      const json = JSON.parse((yield* runCommand(process.execPath, [PLUGIN_MAIN, "--probe", "--json", "--model", "MiniMax-M2.7"], { env: pluginEnv(home) })).stdout)
      assert.strictEqual(json.auth.verdict, "wrong-region")
      assert.deepStrictEqual(json.auth.checks.slice(0, 2).map((c: { host: string; answer: string }) => [c.host, c.answer]), [["http://127.0.0.1:1", "unreachable"], [cn.url, "accepted"]])
      assert.include(json.auth.fix, `"region": "cn", and put ${cn.url} first in region_hosts.cn`)
    }).pipe(Effect.scoped), 30_000)

  it.live("with region cn and its first host silent, the probe asks the later hosts and suggests the one that answers", () =>
    Effect.gen(function*() {
      const cn = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: CN_KEY, region: "cn", region_hosts: { cn: ["http://127.0.0.1:1", cn.url] } })
      const result = yield* runCommand(process.execPath, [PLUGIN_MAIN, "--probe", "--model", "MiniMax-M2.7"], { env: pluginEnv(home) })
      assert.match(result.stdout, /reachable\s+FAILED: refused/)
      assert.include(result.stdout, `${cn.url}: answers`)
      assert.include(result.stdout, `put it first in region_hosts.cn`)
    }).pipe(Effect.scoped), 30_000)
})
