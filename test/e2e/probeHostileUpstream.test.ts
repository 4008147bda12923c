/**
 * `--probe` against a hostile quota host (hardening round 3, items 1, 2, 9 and 10): the probe is
 * what a person runs when something is already wrong, so it must end in time, never show the
 * key, never let upstream text drive the terminal, and never show impossible numbers as facts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { quotaBody } from "../../fake/FakeMinimax.ts"
import { fakeMinimax, makePlexumHome, PLUGIN_MAIN, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

const probe = (home: string, args: Array<string>) =>
  runCommand(process.execPath, [PLUGIN_MAIN, "--probe", "--model", "MiniMax-M2.7", ...args], {
    env: { PATH: "/usr/bin:/bin", PLEXUM_HOME: home, HOME: home, TZ: "UTC" },
    timeoutMs: 60_000
  })

/** Every run of 12 characters of the key found in `text`. */
const keyWindowsIn = (text: string, key: string) => {
  const found: Array<string> = []
  for (let i = 0; i + 12 <= key.length; i++) if (text.includes(key.slice(i, i + 12))) found.push(key.slice(i, i + 12))
  return found
}

const general = (fields: Record<string, unknown>) => {
  const body = quotaBody("new", Date.now())
  const bucket = body.model_remains!.find((b) => b.model_name === "general")!
  return { ...body, model_remains: [{ ...bucket, ...fields }] }
}

describe("--probe against a hostile quota host", () => {
  it.live("1: a quota answer that sends headers and half a body, then stalls, ends at the question's bound and the report goes on", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.quotaReply({ kind: "stall", body: quotaBody("new", Date.now()), bytes: 40 })
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl, request_timeout_ms: 2000 })
      const started = performance.now()
      const result = yield* probe(home, ["--json"])
      const elapsed = performance.now() - started
      assert.isBelow(elapsed, 10_000, "bounded by the 2 s question bound, not forever")
      const report = JSON.parse(result.stdout)
      assert.strictEqual(report.quota.status, "unreadable")
      assert.include(report.quota.reason, "no complete answer within 2 s")
      assert.deepStrictEqual(report.models.map((m: { id: string; ok: boolean }) => [m.id, m.ok]), [["MiniMax-M2.7", true]], "the rest of the report")
      assert.strictEqual(result.code, 0)
    }).pipe(Effect.scoped), 30_000)

  it.live("1: with the default bounds, a stalled quota body ends within the probe's 20 s", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      fake.quotaReply({ kind: "stall", body: quotaBody("new", Date.now()), bytes: 40 })
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const started = performance.now()
      const result = yield* probe(home, [])
      assert.isBelow(performance.now() - started, 21_000)
      assert.include(result.stdout, "no complete answer within 15 s")
      assert.match(result.stdout, /MiniMax-M2\.7\s+ok/)
    }).pipe(Effect.scoped), 40_000)

  it.live("2: a quota host that echoes the key in status_msg or in a bucket's model_name never gets it printed, human or --json", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      fake.quotaReply({ kind: "json", body: { base_resp: { status_code: 1004, status_msg: `login fail: key ${TOKEN_PLAN_KEY} is not valid` } } })
      const refused = [yield* probe(home, []), yield* probe(home, ["--json"])]
      fake.quotaReply({ kind: "json", body: general({ model_name: `bucket-for-${TOKEN_PLAN_KEY}` }) })
      const echoed = [yield* probe(home, []), yield* probe(home, ["--json"])]
      for (const result of [...refused, ...echoed]) {
        assert.deepStrictEqual(keyWindowsIn(result.stdout + result.stderr, TOKEN_PLAN_KEY), [])
      }
      assert.include(refused[0]!.stdout, "[redacted]")
      assert.include(echoed[1]!.stdout, "bucket-for-[redacted]")
    }).pipe(Effect.scoped), 40_000)

  it.live("9: escape sequences and CR in status_msg are shown escaped, so a proxy cannot erase lines or print a fake ok", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      fake.quotaReply({ kind: "json", body: { base_resp: { status_code: 1004, status_msg: "bad\u001b[2K\r\u001b[32mok: all good\u0007\u009b" } } })
      const result = yield* probe(home, [])
      assert.notInclude(result.stdout, "\u001b")
      assert.notInclude(result.stdout, "\r")
      assert.notInclude(result.stdout, "\u0007")
      assert.notInclude(result.stdout, "\u009b")
      assert.include(result.stdout, "bad\\u001b[2K\\u000d\\u001b[32mok: all good\\u0007\\u009b")
    }).pipe(Effect.scoped), 30_000)

  it.live("10: impossible quota numbers (−40 %, 250 %, a reset in 1e20 ms or in 1970) are reported as unreadable, not shown", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ current_interval_remaining_percent: -40 }, "-40 %"],
        [{ current_interval_remaining_percent: 250 }, "250 %"],
        [{ end_time: 1e20 }, "100000000000000000000 ms"],
        [{ end_time: 0, remains_time: null }, "a reset time of 0 ms"]
      ]
      for (const [fields, said] of cases) {
        fake.quotaReply({ kind: "json", body: general(fields) })
        const human = yield* probe(home, [])
        const window = human.stdout.split("\n").find((line) => line.includes("window:"))!
        assert.include(window, "unreadable", JSON.stringify(fields))
        assert.include(window, said)
        assert.notInclude(human.stdout, "Invalid Date")
        assert.notInclude(human.stdout, "1970")
        assert.notMatch(window, /-40 % left|250 % left/)
        const json = JSON.parse((yield* probe(home, ["--json"])).stdout)
        const current = json.quota.buckets[0].windows[0]
        assert.isString(current.unreadable)
        assert.isUndefined(current.leftPercent)
        assert.isUndefined(current.resetsAt)
      }
    }).pipe(Effect.scoped), 60_000)
})
