/**
 * `npm run demo` and `npm run say` (first-hour issue, item 3): a streamed answer from the
 * embedded fake with no key; `--help` and a mistyped flag print usage and send nothing (a
 * counting fake receives 0 requests); the demo leaves no temporary folder behind.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeMinimax, makePlexumHome, ROOT, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

const demo = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runCommand(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/demo.ts"), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", ...env },
    timeoutMs: 60_000
  })

describe("demo and say", () => {
  it.live("demo prints a streamed answer with no key and no network, and removes its temporary folder", () =>
    Effect.gen(function*() {
      const tmp = mkdtempSync(join(tmpdir(), "demo-tmp-"))
      const { code, stdout } = yield* demo(["--fake", "hi"], { TMPDIR: tmp })
      assert.strictEqual(code, 0)
      assert.include(stdout, "You said: hi")
      assert.include(stdout, "[end_turn;")
      assert.deepStrictEqual(readdirSync(tmp).filter((name) => name.startsWith("plexum-")), [])
      rmSync(tmp, { recursive: true })
    }), 90_000)

  it.live("say --help prints usage and sends nothing; a mistyped flag is an error (exit 2) and sends nothing", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl })
      const help = yield* demo(["--help"], { PLEXUM_HOME: home })
      assert.strictEqual(help.code, 0)
      assert.include(help.stdout, "USAGE")
      assert.include(help.stdout, "--model")
      const mistyped = yield* demo(["--modle", "MiniMax-M3", "hello"], { PLEXUM_HOME: home })
      assert.strictEqual(mistyped.code, 2)
      assert.include(mistyped.stderr + mistyped.stdout, "Unrecognized flag: --modle")
      assert.strictEqual(fake.requests.length, 0)
      const said = yield* demo(["--model", "MiniMax-M2.7", "hello"], { PLEXUM_HOME: home })
      assert.strictEqual(said.code, 0, said.stderr)
      assert.strictEqual(fake.requests.length, 1, "the counting fake does count")
      rmSync(home, { recursive: true, force: true })
    }).pipe(Effect.scoped), 90_000)
})
