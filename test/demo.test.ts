/**
 * `npm run demo`'s script: a streamed answer from the embedded fake, with no key.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ROOT } from "./support/plugin.ts"

describe("demo", () => {
  it.live("prints a streamed answer with no key and no network", () =>
    Effect.callback<{ code: number; stdout: string }>((resume) => {
      execFile(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/demo.ts"), "--fake", "hi"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
        timeout: 60_000
      }, (error, stdout) => resume(Effect.succeed({ code: error ? Number(error.code ?? 1) : 0, stdout })))
    }).pipe(Effect.map(({ code, stdout }) => {
      assert.strictEqual(code, 0)
      assert.include(stdout, "You said: hi")
      assert.include(stdout, "[end_turn;")
    })), 90_000)
})
