/**
 * The command line a person meets (first-hour issue, items 7, 10 and 11): -v and --version print
 * the same bare version, --help lists only this program's flags, a start by hand in a terminal
 * says what the program is, and the probe shows warnings in its report and where each setting
 * came from.
 */
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makePlexumHome, PLUGIN_MAIN, ROOT, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runCommand(process.execPath, [PLUGIN_MAIN, ...args], { env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", ...env } })

describe("the command line", () => {
  it.live("-v and --version print the same bare version, package.json's", () =>
    Effect.gen(function*() {
      const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version
      assert.strictEqual((yield* run(["-v"])).stdout, `${version}\n`)
      assert.strictEqual((yield* run(["--version"])).stdout, `${version}\n`)
    }))

  it.live("--help lists this program's flags and none that make no sense for it", () =>
    Effect.gen(function*() {
      const help = yield* run(["--help"])
      assert.strictEqual(help.code, 0)
      for (const flag of ["--probe", "--json", "--model", "--all-models", "--version", "--help"]) assert.include(help.stdout, flag)
      for (const flag of ["--wizard", "--completions", "--log-level"]) assert.notInclude(help.stdout, flag)
      const unknown = yield* run(["--wizard"])
      assert.strictEqual(unknown.code, 2)
    }))

  it.live("started by hand in a terminal with no arguments, one stderr line says what it serves and points to --help", () =>
    Effect.gen(function*() {
      const result = yield* runCommand("script", ["-qec", `${process.execPath} ${PLUGIN_MAIN}`, "/dev/null"], {
        env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" },
        timeoutMs: 3_000
      })
      assert.include(result.stdout, "serves the Plexum provider protocol on stdin and stdout")
      assert.include(result.stdout, "--help")
    }), 20_000)

  it.live("--probe shows warnings inside its report, not as logfmt above it, and where each setting came from", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY, base_url: "http://127.0.0.1:1/anthropic", max_retries: 1, surplus: true }, 0o644)
      const result = yield* run(["--probe", "--model", "MiniMax-M2.7"], { PLEXUM_HOME: home, MINIMAX_REGION: "cn" })
      assert.notInclude(result.stderr, "level=WARN")
      assert.match(result.stdout, /warning\s+.*can be read by group or others/)
      assert.match(result.stdout, /warning\s+.*unknown field\(s\) ignored: surplus/)
      assert.match(result.stdout, /region\s+cn \(MINIMAX_REGION\)/)
      assert.match(result.stdout, /base_url\s+http:\/\/127\.0\.0\.1:1\/anthropic \(file\)/)
      assert.match(result.stdout, /auth_header\s+bearer \(default\)/)
      assert.include(result.stdout, "max_retries 1 (file)")
      rmSync(home, { recursive: true, force: true })
    }), 30_000)
})
