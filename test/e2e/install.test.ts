/**
 * scripts/install.sh against a temporary HOME that already has a config.json and a
 * plexum.json with other content; run twice.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect } from "@plexum/sdk/host"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeMinimax, PLUGIN_ARGS, ROOT, runCommand, TOKEN_PLAN_KEY, userTurn } from "../support/plugin.ts"

describe("scripts/install.sh", () => {
  it.live("is idempotent, keeps config.json and other settings, and installs a manifest that runs from / with a minimal PATH", () =>
    Effect.gen(function*() {
      const fake = yield* fakeMinimax()
      const home = mkdtempSync(join(tmpdir(), "install-home-"))
      const plexumHome = join(home, ".plexum")
      const dest = join(plexumHome, "plugins", "plexum-minimax-provider")
      mkdirSync(dest, { recursive: true })
      const configPath = join(dest, "config.json")
      const config = JSON.stringify({ api_key: TOKEN_PLAN_KEY, base_url: fake.baseUrl, region: "global" }, null, 1) + "\n"
      writeFileSync(configPath, config, { mode: 0o600 })
      const plexumJson = join(plexumHome, "plexum.json")
      writeFileSync(plexumJson, JSON.stringify({ theme: "dark", plugins: { allow: ["other-plugin"], deny: ["x"] }, agents: [{ name: "a" }] }))

      // A chunk of the install before (listed in chunks.list) and one of an older install.
      const chunks = join(dest, "dist", "chunks")
      mkdirSync(chunks, { recursive: true })
      writeFileSync(join(chunks, "chunk-PREVIOUS.js"), "")
      writeFileSync(join(chunks, "chunk-OLDER.js"), "")
      writeFileSync(join(dest, "dist", "chunks.list"), "chunk-PREVIOUS.js\n")

      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, MINIMAX_API_KEY: "sk-api-should-not-be-written-0000" }
      for (let i = 0; i < 2; i++) {
        const result = yield* runCommand("bash", [join(ROOT, "scripts/install.sh")], { env })
        assert.strictEqual(result.code, 0, result.stderr)
        assert.include(result.stdout, "plexum agent-add --model MiniMax-M2.7")
        // A plugin still running from the install before may load its chunks; older ones go.
        assert.strictEqual(existsSync(join(chunks, "chunk-PREVIOUS.js")), i === 0)
        assert.isFalse(existsSync(join(chunks, "chunk-OLDER.js")))
      }
      assert.deepStrictEqual(readdirSync(chunks).sort(), readdirSync(join(ROOT, "dist", "chunks")).sort())
      // The licences travel with the bundle: the project's, and every bundled package's.
      assert.strictEqual(readFileSync(join(dest, "LICENSE"), "utf8"), readFileSync(join(ROOT, "LICENSE"), "utf8"))
      const notices = readFileSync(join(dest, "dist", "THIRD-PARTY-NOTICES.md"), "utf8")
      for (const bundled of ["effect", "@effect/platform-node", "undici"]) assert.match(notices, new RegExp(`^## ${bundled} \\d`, "m"))
      assert.include(notices, "Permission is hereby granted")
      assert.strictEqual(readFileSync(configPath, "utf8"), config)
      assert.strictEqual(statSync(configPath).mode & 0o777, 0o600)
      const settings = JSON.parse(readFileSync(plexumJson, "utf8"))
      assert.deepStrictEqual(settings, { theme: "dark", plugins: { allow: ["other-plugin", "plexum-minimax-provider"], deny: ["x"] }, agents: [{ name: "a" }] })

      const manifest = JSON.parse(readFileSync(join(dest, "plexum-plugin.json"), "utf8"))
      assert.strictEqual(manifest.id, "plexum-minimax-provider")
      for (const part of manifest.command) assert.isTrue(part.startsWith("/") || part.startsWith("--"), part)
      assert.deepStrictEqual(manifest.command.filter((part: string) => part.startsWith("--")), PLUGIN_ARGS.filter((arg) => arg.startsWith("--")))
      const host = yield* connect(manifest.command[0], manifest.command.slice(1), { cwd: "/", env: { PATH: "/usr/bin:/bin", HOME: home } })
      const init = yield* host.initialize()
      assert.strictEqual(init.models[0]?.id, "MiniMax-M2.7")
      const { result } = yield* host.turnCollect("installed", userTurn("hello"))
      assert.strictEqual(result.stopReason, "end_turn")
    }).pipe(Effect.scoped), 180_000)
})
