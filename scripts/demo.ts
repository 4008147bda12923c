/**
 * `npm run demo -- "prompt"`: the plugin against the embedded fake MiniMax, no key, no network.
 * `npm run say -- [--model ID] "prompt"`: the same path with your real config (a real, billed request).
 * Both drive the built plugin through the SDK's test host, as Plexum would, and stream the
 * turn to the terminal: thinking dimmed, then text, then tool calls. `--help` and a mistyped
 * flag send nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { connect } from "@plexum/sdk/host"
import { Effect, Layer, Stream } from "effect"
import { Argument, CliConfig, Command, Flag, GlobalFlag } from "effect/cli"
import { startFakeMinimax } from "../fake/FakeMinimax.ts"

const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
const dim = (text: string) => color ? `\u001b[2m${text}\u001b[0m` : text
const bold = (text: string) => color ? `\u001b[1m${text}\u001b[0m` : text
const out = (text: string) => process.stdout.write(text)

/** A PLEXUM_HOME whose config points at the fake; removed when the demo ends. */
const fakeHome = Effect.gen(function*() {
  const fake = yield* Effect.acquireRelease(Effect.promise(() => startFakeMinimax()), (f) => Effect.promise(() => f.close()))
  const home = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "plexum-demo-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const dir = join(home, "plugins", "plexum-minimax-provider")
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "config.json"), JSON.stringify({ api_key: "sk-cp-demo0000000000000000000000", base_url: fake.baseUrl }), { mode: 0o600 })
  out(dim(`(fake MiniMax at ${fake.baseUrl}; no key, no network)\n`))
  return home
})

const converse = (env: NodeJS.ProcessEnv, model: string, prompt: string) =>
  Effect.gen(function*() {
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

const command = Command.make(
  "demo",
  {
    fake: Flag.Boolean("fake").pipe(Flag.withDescription("talk to the bundled fake MiniMax (no key, no network); without it, your config.json and a real, billed request"), Flag.withDefault(false)),
    model: Flag.String("model").pipe(Flag.withDescription("the model to ask"), Flag.withDefault("MiniMax-M2.7")),
    prompt: Argument.String("prompt").pipe(Argument.withDescription("what to say (default: hello)"), Argument.variadic())
  },
  ({ fake, model, prompt }) =>
    Effect.scoped(Effect.gen(function*() {
      const env: NodeJS.ProcessEnv = { ...process.env }
      if (fake) env.PLEXUM_HOME = yield* fakeHome
      yield* converse(env, model, prompt.join(" ") || "hello")
    }))
).pipe(Command.withDescription("One turn through the built plugin, streamed to the terminal."))

/** A command line that cannot be carried out. */
const USAGE_ERROR = 2

Command.run(command, { version: "demo" }).pipe(
  Effect.catch(() => Effect.sync(() => void (process.exitCode = USAGE_ERROR))),
  Effect.provide(Layer.mergeAll(NodeServices.layer, CliConfig.layer({ builtIns: [GlobalFlag.Help] }))),
  (program) => NodeRuntime.runMain(program, { teardown: (exit) => process.exit(exit._tag === "Success" ? Number(process.exitCode ?? 0) : 1) })
)
