/**
 * Spawning the built plugin (dist/main.js) the way Plexum does, with a throw-away
 * PLEXUM_HOME, and the fake MiniMax as a scoped resource.
 */
import { execFile } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import type { TurnEventParams } from "@plexum/sdk"
import { connect, type ConnectOptions } from "@plexum/sdk/host"
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { type FakeMinimax, type FakeMinimaxOptions, startFakeMinimax } from "../../fake/FakeMinimax.ts"

export const ROOT = resolve(import.meta.dirname, "../..")
export const PLUGIN_MAIN = join(ROOT, "dist/main.js")
/** The manifest's command after its `node`, run by this process's Node from ROOT, as Plexum runs it. */
export const PLUGIN_ARGS: ReadonlyArray<string> = JSON.parse(readFileSync(join(ROOT, "plexum-plugin.json"), "utf8")).command.slice(1)

export const TOKEN_PLAN_KEY = "sk-cp-TESTKEYtokenplan0123456789abcdef"
export const PAY_KEY = "sk-api-TESTKEYfunded0123456789abcdef"
export const EMPTY_KEY = "sk-api-TESTKEYempty0123456789abcdef"

/** A fresh PLEXUM_HOME; `config` (if given) is written as the plugin's config.json, mode 0600. */
export const makePlexumHome = (config?: Record<string, unknown>, mode = 0o600): { readonly home: string; readonly configPath: string } => {
  const home = mkdtempSync(join(tmpdir(), "plexum-home-"))
  const dir = join(home, "plugins", "plexum-minimax-provider")
  mkdirSync(dir, { recursive: true })
  const configPath = join(dir, "config.json")
  if (config !== undefined) {
    writeFileSync(configPath, JSON.stringify(config, null, 2))
    chmodSync(configPath, mode)
  }
  return { home, configPath }
}

export const pluginEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  PLEXUM_HOME: home,
  ...extra
})

export const spawnPlugin = (env: NodeJS.ProcessEnv, host: Pick<ConnectOptions, "recordStdout"> = {}) =>
  connect(process.execPath, PLUGIN_ARGS, { env, cwd: ROOT, ...host })

export const fakeMinimax = (options?: FakeMinimaxOptions) =>
  Effect.acquireRelease(Effect.promise(() => startFakeMinimax(options)), (fake: FakeMinimax) => Effect.promise(() => fake.close()))

/** A spawned, initialized plugin whose config points at `fake` with `key`. */
export const pluginAgainst = (
  fake: FakeMinimax,
  key: string,
  config: Record<string, unknown> = {},
  extraEnv: Record<string, string> = {},
  hostOptions: Pick<ConnectOptions, "recordStdout"> = {}
) =>
  Effect.gen(function*() {
    const { home } = makePlexumHome({ api_key: key, base_url: fake.baseUrl, ...config })
    const host = yield* spawnPlugin(pluginEnv(home, extraEnv), hostOptions)
    yield* host.initialize()
    return host
  })

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end without blocking the event loop (the fake MiniMax lives in this process). */
export const runCommand = (command: string, args: ReadonlyArray<string>, options: { readonly env: NodeJS.ProcessEnv; readonly cwd?: string; readonly timeoutMs?: number }) =>
  Effect.callback<CommandResult>((resume) => {
    execFile(command, args, { env: options.env, cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 120_000 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })))
  })

export const userTurn = (text: string, model = "MiniMax-M2.7") => ({
  model,
  messages: [{ role: "user" as const, content: text }]
})

/** turn_start first, turn_stop last, every block_start closed by one block_stop, seq without gaps. */
export const assertWellFormed = (events: ReadonlyArray<TurnEventParams>) => {
  assert.deepStrictEqual(events.map((e) => e.seq), events.map((_, i) => i))
  assert.strictEqual(events[0]?.event.type, "turn_start")
  assert.strictEqual(events.at(-1)?.event.type, "turn_stop")
  const open = new Set<number>()
  for (const { event } of events) {
    if (event.type === "block_start") {
      assert.isFalse(open.has(event.index))
      open.add(event.index)
    }
    if (event.type === "block_stop") {
      assert.isTrue(open.has(event.index))
      open.delete(event.index)
    }
  }
  assert.strictEqual(open.size, 0)
}

