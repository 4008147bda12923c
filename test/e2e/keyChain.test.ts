/**
 * The chain of keys (api_keys), through the spawned plugin and a fake MiniMax that answers per
 * key: one test per rule. The plan key comes first, the pay-as-you-go key after it.
 */
import { utimesSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type FakeMinimaxOptions, minimaxError, quotaBody, type Reply } from "../../fake/FakeMinimax.ts"
import { fakeMinimax, makePlexumHome, PLUGIN_MAIN, pluginEnv, runCommand, spawnPlugin, userTurn } from "../support/plugin.ts"

const PLAN = "sk-cp-PLANkey0123456789abcdefXYZ1"
const PAYG = "sk-api-PAYGkey0123456789abcdefXYZ2"

const error = (status: number, type: string, message: string): Reply => ({ kind: "error", status, body: minimaxError(status, type, message) })
const planSpentUntil = (resetAt: number) => error(429, "rate_limit_error", `usage limit exceeded (1500/1500 used), resets at ${new Date(resetAt).toISOString()} (2056)`)
const PLAN_SPENT_NEW = error(429, "rate_limit_error", "Token Plan quota limit has been reached: please upgrade the Token Plan package or purchase credits to replenish usage. (2056)")

/** A spawned plugin whose config holds `keys` (config.json written, then the path returned to edit it). */
const chainPlugin = (fakeOptions: FakeMinimaxOptions, keys: ReadonlyArray<Record<string, unknown>>, config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const fake = yield* fakeMinimax(fakeOptions)
    const { configPath, home } = makePlexumHome({ api_keys: keys, base_url: fake.baseUrl, ...config })
    const host = yield* spawnPlugin(pluginEnv(home))
    yield* host.initialize()
    return { fake, host, configPath }
  })

/** Which key each Messages request carried, in order. */
const keysUsed = (fake: { readonly requests: ReadonlyArray<{ readonly path: string; readonly headers: Readonly<Record<string, unknown>> }> }) =>
  fake.requests.filter((r) => r.path.endsWith("/v1/messages")).map((r) => String(r.headers.authorization ?? "").replace("Bearer ", ""))

const noKeyIn = (text: string) => {
  for (const key of [PLAN, PAYG]) for (let i = 0; i + 12 <= key.length; i++) assert.notInclude(text, key.slice(i, i + 12))
}

describe("the key chain", () => {
  it.live("a spent plan (2056 with a reset) fails over before any event, the next turn goes straight to the paid key, and after the reset the plan key serves again", () =>
    Effect.gen(function*() {
      const resetAt = Date.now() + 2_500
      const { fake, host } = yield* chainPlugin({ keyReply: (key) => key === PLAN && Date.now() < resetAt ? planSpentUntil(resetAt) : undefined }, [
        { key: PLAN, label: "plan" },
        { key: PAYG, label: "paid" }
      ])
      const first = yield* host.turnCollect("t1", userTurn("one"))
      assert.strictEqual(first.events[0]?.event.type, "turn_start")
      assert.strictEqual(first.result.stopReason, "end_turn")
      assert.deepStrictEqual(keysUsed(fake), [PLAN, PAYG], "one request to the plan key, then the paid key: no retry of a spent plan")
      yield* host.turnCollect("t2", userTurn("two"))
      assert.deepStrictEqual(keysUsed(fake).slice(2), [PAYG], "the cooling plan key gets 0 requests")
      yield* Effect.sleep(Math.max(0, resetAt - Date.now()) + 300)
      yield* host.turnCollect("t3", userTurn("three"))
      assert.deepStrictEqual(keysUsed(fake).slice(3), [PLAN], "after its reset the plan key serves again")
      yield* Effect.sleep(100)
      const stderr = yield* host.stderr
      const failover = stderr.split("\n").find((line) => line.includes(`message=failover`))!
      for (const part of ["turn=t1", "left=plan", "left_key=sk-cp-…XYZ1", `why="its plan is spent"`, "until=", "next=paid", "next_key=sk-api-…XYZ2"]) assert.include(failover, part)
      assert.match(stderr, /message="key serves again" .*key=plan/)
      assert.match(stderr, /message="turn finished" turn=t1 .*failovers=1/)
      noKeyIn(stderr + (yield* host.stdoutLines).join("\n"))
    }).pipe(Effect.scoped), 30_000)

  it.live("the new 2056 wording is a spent plan, never an auth failure: cooled until the reset its quota says; with no other key it fails as RateLimited naming the plan", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const spent = quotaBody("new", now)
      const { fake, host } = yield* chainPlugin({
        keyReply: (key) => key === PLAN ? PLAN_SPENT_NEW : undefined,
        keyQuota: () => ({ kind: "json", body: spent })
      }, [{ key: PLAN, label: "plan" }, { key: PAYG, label: "paid", models: ["MiniMax-M3"] }])
      const failure = yield* Effect.flip(host.turnCollect("t1", userTurn("hi")))
      const data = (failure as { data: { tag: string; retryable: boolean; retryAfterMs?: number; message: string; hint: string } }).data
      assert.strictEqual(data.tag, "RateLimited")
      assert.isFalse(data.retryable)
      assert.include(data.hint, "plan")
      assert.deepStrictEqual(keysUsed(fake), [PLAN], "paid serves only MiniMax-M3, so M2.7 has no other key")
      // The quota's exhausted window resets 2 h 14 min from now: M3 goes to the paid key, M2.7 fails at once with the reset.
      yield* host.turnCollect("t2", userTurn("hi", "MiniMax-M3"))
      assert.deepStrictEqual(keysUsed(fake).slice(1), [PAYG])
      const again = (yield* Effect.flip(host.turnCollect("t3", userTurn("hi")))) as { data: { tag: string; retryAfterMs?: number } }
      assert.strictEqual(again.data.tag, "RateLimited")
      assert.deepStrictEqual(keysUsed(fake).slice(2), [PLAN], "a chain of one for M2.7 is always tried, as one key always was")
    }).pipe(Effect.scoped), 30_000)

  it.live("an empty balance (1008) cools that key for every model and the turn goes to the next key", () =>
    Effect.gen(function*() {
      const EMPTY = "sk-api-emptybalance0123456789abcdef"
      const { fake, host } = yield* chainPlugin({}, [{ key: EMPTY, label: "empty" }, { key: PLAN, label: "plan" }])
      yield* host.turnCollect("t1", userTurn("hi"))
      yield* host.turnCollect("t2", userTurn("hi", "MiniMax-M3"))
      assert.deepStrictEqual(keysUsed(fake), [EMPTY, PLAN, PLAN])
    }).pipe(Effect.scoped), 30_000)

  it.live("a refused key (1004) is disabled alone, until config.json changes; the other key serves meanwhile", () =>
    Effect.gen(function*() {
      const BAD = "sk-api-REVOKEDkey0123456789abcdef"
      const { configPath, fake, host } = yield* chainPlugin({ acceptKey: (key) => key !== BAD }, [{ key: BAD, label: "old" }, { key: PAYG, label: "paid" }])
      yield* host.turnCollect("t1", userTurn("hi"))
      yield* host.turnCollect("t2", userTurn("hi"))
      const used = keysUsed(fake)
      assert.deepStrictEqual(used.filter((key) => key === BAD).length, 1, "the refused key was tried once; the next turn skipped it")
      assert.deepStrictEqual(used.filter((key) => key === PAYG).length, 2)
      const future = new Date(Date.now() + 5_000)
      utimesSync(configPath, future, future)
      yield* host.turnCollect("t3", userTurn("hi"))
      assert.include(keysUsed(fake).slice(used.length), BAD, "a changed config.json: the key is tried again")
    }).pipe(Effect.scoped), 30_000)

  it.live("a model refused by the plan key (2061) goes to the paid key, and the plan key still serves the other models", () =>
    Effect.gen(function*() {
      const { fake, host } = yield* chainPlugin({}, [{ key: PLAN, label: "plan" }, { key: PAYG, label: "paid" }])
      yield* host.turnCollect("t1", userTurn("hi", "MiniMax-M2.7-highspeed"))
      yield* host.turnCollect("t2", userTurn("hi", "MiniMax-M2.7-highspeed"))
      yield* host.turnCollect("t3", userTurn("hi", "MiniMax-M2.7"))
      assert.deepStrictEqual(keysUsed(fake), [PLAN, PAYG, PAYG, PLAN])
    }).pipe(Effect.scoped), 30_000)

  it.live("a rate limit (429 with retry-after) moves the turn to the next key at once, without a retry", () =>
    Effect.gen(function*() {
      let limited = true
      const { fake, host } = yield* chainPlugin({
        keyReply: (key) => key === PLAN && limited ? { ...error(429, "rate_limit_error", "rate limit exceeded (1002)"), headers: { "retry-after": "30" } } as Reply : undefined
      }, [{ key: PLAN }, { key: PAYG }])
      yield* host.turnCollect("t1", userTurn("hi"))
      limited = false
      yield* host.turnCollect("t2", userTurn("hi"))
      assert.deepStrictEqual(keysUsed(fake), [PLAN, PAYG, PAYG], "the plan key cools for the 30 s retry-after asked")
    }).pipe(Effect.scoped), 30_000)

  it.live("an overload (529) moves to a key of another region only; with both keys in one region the same key is retried", () =>
    Effect.gen(function*() {
      const OTHER = "sk-api-OTHERregion0123456789abcdef"
      const overloaded = (key: string) => key === PLAN ? error(529, "overloaded_error", "server cluster is under high load (2064)") : undefined
      const same = yield* chainPlugin({ keyReply: overloaded }, [{ key: PLAN }, { key: PAYG }], { max_retries: 1 })
      yield* Effect.flip(same.host.turnCollect("t1", userTurn("hi")))
      assert.deepStrictEqual(keysUsed(same.fake), [PLAN, PLAN])
      const cn = yield* fakeMinimax()
      const other = yield* chainPlugin({ keyReply: overloaded }, [{ key: PLAN }, { key: OTHER, region: "cn" }], { max_retries: 1, region_hosts: { cn: cn.url } })
      yield* other.host.turnCollect("t1", userTurn("hi"))
      assert.deepStrictEqual(keysUsed(other.fake), [PLAN])
      assert.deepStrictEqual(keysUsed(cn), [OTHER])
    }).pipe(Effect.scoped), 30_000)

  it.live("a failure in the middle of the stream, after events were sent, is not failed over: nothing is sent twice", () =>
    Effect.gen(function*() {
      const cut: Reply = { kind: "sse", raw: "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"MiniMax-M2.7\"}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"usage limit exceeded (1500/1500 used) (2056)\"}}\n\n" }
      const { fake, host } = yield* chainPlugin({ keyReply: (key) => key === PLAN ? cut : undefined }, [{ key: PLAN }, { key: PAYG }])
      const turn = yield* host.turn("t1", userTurn("hi"))
      const failure = yield* Effect.flip(turn.result)
      assert.strictEqual((failure as { data: { tag: string } }).data.tag, "RateLimited")
      assert.deepStrictEqual(keysUsed(fake), [PLAN])
    }).pipe(Effect.scoped), 30_000)

  it.live("when every key fails, the most useful failure wins and its message lists each key's reason by label, masked", () =>
    Effect.gen(function*() {
      const resetAt = Date.now() + 3 * 3_600_000
      const { host } = yield* chainPlugin({
        keyReply: (key, model) =>
          key === PLAN ? planSpentUntil(resetAt) : model === "MiniMax-M2.7" ? error(500, "api_error", `your current token plan not support model, ${model} (2061)`) : undefined
      }, [{ key: PAYG, label: "paid", billing: "plan" }, { key: PLAN, label: "main plan" }])
      const failure = yield* Effect.flip(host.turnCollect("t1", userTurn("hi")))
      const data = (failure as { data: { tag: string; message: string; retryAfterMs?: number } }).data
      assert.strictEqual(data.tag, "RateLimited", "a plan spent until a time beats a key refused for the model")
      assert.include(data.message, "paid (sk-api-…XYZ2): the model is not in its plan")
      assert.include(data.message, "main plan (sk-cp-…XYZ1): its plan is spent until ")
      assert.isAbove(data.retryAfterMs!, 3 * 3_600_000 - 60_000)
      noKeyIn(JSON.stringify(data) + (yield* host.stderr))
    }).pipe(Effect.scoped), 30_000)
})

describe("the key chain in --probe and config.json", () => {
  it.live("--probe lists every key: label, masked key, kind, billing, region, state, quota, and the checked models it serves; never more than the masked key", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax({ keyReply: (key) => key === PLAN ? PLAN_SPENT_NEW : undefined })
      const { home } = makePlexumHome({ api_keys: [{ key: PLAN, label: "plan" }, { key: PAYG, label: "paid" }], base_url: fake.baseUrl })
      const run = (args: ReadonlyArray<string>) =>
        runCommand(process.execPath, [PLUGIN_MAIN, "--probe", ...args], { env: { ...pluginEnv(home), TZ: "UTC" } })
      const human = yield* run(["--model", "MiniMax-M2.7"])
      assert.strictEqual(human.code, 0, human.stdout)
      assert.match(human.stdout, /plan\s+sk-cp-…XYZ1, Token Plan \(sk-cp-\), billed to its plan, global: cooling until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\): its plan is spent/)
      assert.match(human.stdout, /paid\s+sk-api-…XYZ2, pay-per-token \(sk-api-\), billed to pay-as-you-go, global: ok/)
      assert.include(human.stdout, "serves: MiniMax-M2.7")
      assert.include(human.stdout, "refused: MiniMax-M2.7 (RateLimited)")
      const json = JSON.parse((yield* run(["--json", "--model", "MiniMax-M2.7"])).stdout)
      assert.deepStrictEqual(json.chain.map((key: { label: string; billing: string }) => [key.label, key.billing]), [["plan", "plan"], ["paid", "payg"]])
      noKeyIn(human.stdout + human.stderr + JSON.stringify(json))
    }).pipe(Effect.scoped), 30_000)

  it.live("api_keys: each key checked as api_key is, named by its index, never shown; both api_key and api_keys is an error", () =>
    Effect.gen(function*() {
      const failureOf = (config: Record<string, unknown>) =>
        Effect.gen(function*() {
          const { home } = makePlexumHome(config)
          const host = yield* spawnPlugin(pluginEnv(home))
          yield* host.initialize()
          const failure = yield* Effect.flip(host.turnCollect("t", userTurn("hi")))
          return (failure as { data: { tag: string; message: string } }).data
        })
      const invisible = yield* failureOf({ api_keys: [{ key: PLAN }, { key: `${PAYG.slice(0, 10)}\u00a0${PAYG.slice(10)}` }] })
      assert.strictEqual(invisible.tag, "ConfigInvalid")
      assert.include(invisible.message, "api_keys[1].key holds a character an HTTP header cannot carry: U+00A0 at position 11")
      const both = yield* failureOf({ api_key: PLAN, api_keys: [{ key: PAYG }] })
      assert.include(both.message, "has both api_key and api_keys")
      const repeated = yield* failureOf({ api_keys: [{ key: PLAN }, { key: PLAN }] })
      assert.include(repeated.message, "api_keys[1].key repeats the key of api_keys[0]")
      const labelled = yield* failureOf({ api_keys: [{ key: PLAN, label: `mine ${PLAN}` }] })
      assert.include(labelled.message, "api_keys[0].label contains the key")
      noKeyIn(JSON.stringify([invisible, both, repeated, labelled]))
    }).pipe(Effect.scoped), 30_000)
})
