/**
 * Config errors in `--probe` that keep a working config (first-hour issue, item 4): the field
 * and what is wrong with it, invalid JSON by line and column, and a whole template only when
 * there is no config at all. The key is never shown.
 */
import { rmSync, writeFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makePlexumHome, PLUGIN_MAIN, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

const probe = (home: string) => runCommand(process.execPath, [PLUGIN_MAIN, "--probe"], { env: { PATH: "/usr/bin:/bin", PLEXUM_HOME: home, HOME: home } })

const TEMPLATE = "Put this in the file above"

describe("config errors in --probe", () => {
  it.live("a valid key and one bad field: the field and what is wrong, no replacement template", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, max_retries: 99 })
      const result = yield* probe(home)
      assert.strictEqual(result.code, 2)
      assert.match(result.stdout, /field max_retries: .*10/)
      assert.notInclude(result.stdout, TEMPLATE)
      assert.notInclude(result.stdout, TOKEN_PLAN_KEY.slice(6, 18))
      rmSync(home, { recursive: true, force: true })
    }), 30_000)

  it.live("invalid JSON: line and column, no template, and never the text around the error (it may be the key)", () =>
    Effect.gen(function*() {
      const { configPath, home } = makePlexumHome({})
      writeFileSync(configPath, `{\n  "api_key": "${TOKEN_PLAN_KEY}"\n  "region": "global"\n}\n`)
      const result = yield* probe(home)
      assert.strictEqual(result.code, 2)
      assert.include(result.stdout, "is not valid JSON at line 3, column 3")
      assert.notInclude(result.stdout, TEMPLATE)
      assert.notInclude(result.stdout + result.stderr, TOKEN_PLAN_KEY.slice(6, 18))
      rmSync(home, { recursive: true, force: true })
    }), 30_000)

  it.live("no config at all: the template", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome()
      const result = yield* probe(home)
      assert.strictEqual(result.code, 2)
      assert.include(result.stdout, TEMPLATE)
      rmSync(home, { recursive: true, force: true })
    }), 30_000)
})
