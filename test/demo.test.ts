/**
 * `npm run demo`'s script: a streamed answer from the embedded fake, with no key.
 */
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ROOT, runCommand } from "./support/plugin.ts"

describe("demo", () => {
  it.live("prints a streamed answer with no key and no network", () =>
    runCommand(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/demo.ts"), "--fake", "hi"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
      timeoutMs: 60_000
    }).pipe(Effect.map(({ code, stdout }) => {
      assert.strictEqual(code, 0)
      assert.include(stdout, "You said: hi")
      assert.include(stdout, "[end_turn;")
    })), 90_000)
})
