/**
 * `npm run demo -- "prompt"`: the plugin against the embedded fake MiniMax, no key, no network.
 * `npm run say -- [--model ID] "prompt"`: the same path with your real config.
 * Both drive the built plugin through the SDK's test host, as Plexum would, and stream the
 * turn to the terminal: thinking dimmed, then text, then tool calls.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { connect } from "@plexum/sdk/host"
import { Effect, Stream } from "effect"
import { startFakeMinimax } from "../fake/FakeMinimax.ts"

const args = process.argv.slice(2)
const useFake = args.includes("--fake")
const modelIndex = args.indexOf("--model")
const model = modelIndex === -1 ? "MiniMax-M2.7" : args[modelIndex + 1] ?? "MiniMax-M2.7"
const prompt = args.filter((a, i) => !a.startsWith("--") && i !== modelIndex + 1).join(" ") || "hello"
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
const dim = (text: string) => color ? `\u001b[2m${text}\u001b[0m` : text
const bold = (text: string) => color ? `\u001b[1m${text}\u001b[0m` : text
const out = (text: string) => process.stdout.write(text)

const program = Effect.gen(function*() {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (useFake) {
    const fake = yield* Effect.acquireRelease(Effect.promise(() => startFakeMinimax()), (f) => Effect.promise(() => f.close()))
    const home = mkdtempSync(join(tmpdir(), "plexum-demo-"))
    const dir = join(home, "plugins", "plexum-minimax-provider")
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "config.json"), JSON.stringify({ api_key: "sk-cp-demo0000000000000000000000", base_url: fake.baseUrl }), { mode: 0o600 })
    env.PLEXUM_HOME = home
    out(dim(`(fake MiniMax at ${fake.baseUrl}; no key, no network)\n`))
  }
  const host = yield* connect(process.execPath, [resolve(import.meta.dirname, "../dist/main.js")], { env })
  yield* host.initialize()
  out(`${bold("you")}: ${prompt}\n${bold(model)}: `)
  const turn = yield* host.turn("demo", { model, messages: [{ role: "user", content: prompt }] })
  yield* Stream.runForEach(turn.events, ({ event }) =>
    Effect.sync(() => {
      switch (event.type) {
        case "thinking_delta":
          return out(dim(event.thinking))
        case "text_delta":
          return out(event.text)
        case "block_stop":
          if (event.block.type === "thinking") out("\n")
          if (event.block.type === "tool_use") out(`\n${bold("tool call")} ${event.block.name}(${JSON.stringify(event.block.input)}) [${event.block.id}]`)
          return
        case "turn_stop":
          return out(`\n${dim(`[${event.stopReason}; ${event.usage.inputTokens} in, ${event.usage.outputTokens} out]`)}\n`)
      }
    }))
  const result = yield* Effect.result(turn.result)
  if (result._tag === "Failure") {
    const data = result.failure.data as { tag?: string; hint?: string } | undefined
    out(`\n${bold("failed")}: ${data?.tag ?? result.failure.code}: ${result.failure.message}\n`)
    if (data?.hint) out(`hint: ${data.hint}\n`)
    process.exitCode = 1
  }
  yield* host.shutdown
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
