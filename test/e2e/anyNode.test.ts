/**
 * The plugin starts on whatever Node the machine has (first-hour issue, item 1): dist/main.js,
 * run by the machine's own node (often 20, older than the 22.19 the plugin needs), runs the
 * plugin on the project's Node 24 with stdio, arguments and exit code passed through; without
 * that Node, it says so in one line and exits 1. Never a SyntaxError.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { connect } from "@plexum/sdk/host"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makePlexumHome, PLUGIN_ARGS, PLUGIN_MAIN, ROOT, runCommand, TOKEN_PLAN_KEY } from "../support/plugin.ts"

/** The machine's own node: the first on PATH outside node_modules (npm puts the project's first). */
const systemNode = (process.env.PATH ?? "").split(delimiter)
  .filter((dir) => dir !== "" && !dir.includes("node_modules"))
  .map((dir) => join(dir, "node"))
  .find((candidate) => existsSync(candidate))!

const SYSTEM_PATH = (process.env.PATH ?? "").split(delimiter).filter((dir) => !dir.includes("node_modules")).join(delimiter)

const versionOf = (node: string) => runCommand(node, ["-p", "process.versions.node"], { env: { PATH: SYSTEM_PATH } }).pipe(Effect.map((r) => r.stdout.trim()))

const isOlderThanNeeded = (version: string) => {
  const [major, minor] = version.split(".").map(Number) as [number, number]
  return major < 22 || (major === 22 && minor < 19)
}

describe("any Node", () => {
  it.live("the machine's node runs --version, --help and --probe through dist/main.js", () =>
    Effect.gen(function*() {
      assert.isDefined(systemNode, "a node on PATH outside node_modules")
      const env = { PATH: SYSTEM_PATH, HOME: "/nonexistent" }
      const version = yield* runCommand(systemNode, [PLUGIN_MAIN, "--version"], { env })
      assert.strictEqual(version.code, 0, version.stderr)
      assert.strictEqual(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version)
      assert.notInclude(version.stderr, "SyntaxError")
      const help = yield* runCommand(systemNode, [PLUGIN_MAIN, "--help"], { env })
      assert.strictEqual(help.code, 0)
      assert.include(help.stdout, "--probe")
      const { home } = makePlexumHome()
      const probe = yield* runCommand(systemNode, [PLUGIN_MAIN, "--probe"], { env: { ...env, PLEXUM_HOME: home } })
      assert.strictEqual(probe.code, 2, "a config error, said as one")
      assert.include(probe.stdout, "config.json")
      rmSync(home, { recursive: true, force: true })
    }), 60_000)

  it.live("the repo-root manifest's command, run by the machine's node, answers initialize and a turn, and exits 0 on shutdown", () =>
    Effect.gen(function*() {
      const { home } = makePlexumHome({ api_key: TOKEN_PLAN_KEY })
      const host = yield* connect(systemNode, PLUGIN_ARGS, { env: { PATH: SYSTEM_PATH, PLEXUM_HOME: home }, cwd: ROOT })
      const initialized = yield* host.initialize()
      assert.strictEqual(initialized.plugin.id, "plexum-minimax-provider")
      assert.isAbove(initialized.models.length, 0)
      yield* host.shutdown
      const exit = yield* host.exited
      assert.strictEqual(exit.code, 0)
      assert.notInclude(yield* host.stderr, "SyntaxError")
      rmSync(home, { recursive: true, force: true })
    }).pipe(Effect.scoped), 60_000)

  it.live("without the project's Node 24, an older node says which Node it found, which it needs and what to run, in one line, exit 1", () =>
    Effect.gen(function*() {
      const copy = mkdtempSync(join(tmpdir(), "plexum-nonode-"))
      cpSync(join(ROOT, "dist"), join(copy, "dist"), { recursive: true })
      const result = yield* runCommand(systemNode, [join(copy, "dist/main.js"), "--version"], { env: { PATH: SYSTEM_PATH } })
      const version = yield* versionOf(systemNode)
      rmSync(copy, { recursive: true, force: true })
      if (isOlderThanNeeded(version)) {
        assert.strictEqual(result.code, 1)
        const lines = result.stderr.trimEnd().split("\n")
        assert.strictEqual(lines.length, 1, result.stderr)
        assert.include(lines[0], `needs Node >= 22.19 and found v${version}`)
        assert.include(lines[0], "npm install")
      } else {
        // A machine whose own node is new enough runs the copy as it is.
        assert.strictEqual(result.code, 0, result.stderr)
      }
      assert.notInclude(result.stderr, "SyntaxError")
    }), 60_000)
})
