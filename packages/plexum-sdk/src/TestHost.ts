/**
 * A test host: spawns a plugin the way Plexum does (no arguments, stdio pipes) and drives
 * it over the protocol. Used by end-to-end tests, demos and benchmarks.
 */
import { spawn } from "node:child_process"
import { Deferred, Effect, Queue, Schema, Stream } from "effect"
import type { Cause, Scope } from "effect"
import { makeLineSplitter, notificationLine } from "./Framing.ts"
import type {
  InitializeParams,
  InitializeResult,
  ModelDescriptor,
  TurnEventParams,
  TurnRequest,
  TurnResult
} from "./Protocol.ts"

/** An error response the plugin sent, or the plugin going away before it answered. */
export class RpcError extends Schema.TaggedError<RpcError>()("RpcError", {
  code: Schema.Number,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown)
}) {}

/** The code a host reports when the plugin exited before answering. */
export const PLUGIN_EXITED = -1

/** How the plugin process ended. */
export interface PluginExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A turn in progress: its events as they arrive, and its one response. */
export interface TurnHandle {
  readonly events: Stream.Stream<TurnEventParams>
  readonly result: Effect.Effect<TurnResult, RpcError>
}

/** A connected plugin, driven over the protocol as a host would. */
export interface PluginHost {
  readonly pid: number
  /** Sends any JSON-RPC request and waits for its response's `result`. */
  readonly request: (method: string, params?: unknown) => Effect.Effect<unknown, RpcError>
  readonly notify: (method: string, params?: unknown) => Effect.Effect<void>
  /** Writes raw text to the plugin's stdin, as is. */
  readonly writeRaw: (text: string) => Effect.Effect<void>
  readonly initialize: (params?: Partial<InitializeParams>) => Effect.Effect<InitializeResult, RpcError>
  readonly models: Effect.Effect<ReadonlyArray<ModelDescriptor>, RpcError>
  readonly turn: (turnId: string, request: TurnRequest) => Effect.Effect<TurnHandle>
  /** Runs a turn to its end and collects its events, failing with its error response. */
  readonly turnCollect: (turnId: string, request: TurnRequest) => Effect.Effect<{
    readonly events: ReadonlyArray<TurnEventParams>
    readonly result: TurnResult
  }, RpcError>
  readonly cancel: (turnId: string) => Effect.Effect<void>
  readonly shutdown: Effect.Effect<unknown, RpcError>
  /** Closes the plugin's stdin (EOF). */
  readonly closeStdin: Effect.Effect<void>
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Stops reading the plugin's stdout, as a slow host would, and starts again. */
  readonly pauseOutput: Effect.Effect<void>
  readonly resumeOutput: Effect.Effect<void>
  /** Closes the host's end of the plugin's stdout, as a host that went away would. */
  readonly closeOutput: Effect.Effect<void>
  /** Responses whose id no request of this host used (e.g. `id: null` errors), in order. */
  readonly unsolicited: Effect.Effect<ReadonlyArray<unknown>>
  /** Every stdout line so far, as received (empty when connected with `recordStdout: false`). */
  readonly stdoutLines: Effect.Effect<ReadonlyArray<string>>
  /** Everything written to stderr so far. */
  readonly stderr: Effect.Effect<string>
  readonly exited: Effect.Effect<PluginExit>
}

/** How to spawn the plugin. */
export interface ConnectOptions {
  readonly cwd?: string
  /** Replaces the environment entirely when given. */
  readonly env?: NodeJS.ProcessEnv
  /**
   * Keep every stdout line for `stdoutLines` (default true). Benchmarks turn it off: a
   * transcript of millions of lines is the host's memory and GC time, not the plugin's.
   */
  readonly recordStdout?: boolean
}

/**
 * Spawns `command args` and connects to it. The process is killed when the scope closes
 * (after a chance to exit on its own).
 */
export const connect = (
  command: string,
  args: ReadonlyArray<string> = [],
  options: ConnectOptions = {}
): Effect.Effect<PluginHost, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] })
      ),
      (child) =>
        Effect.callback<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          const timer = setTimeout(() => child.kill("SIGKILL"), 2_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          child.stdin.end()
        })
    )
    const exit = yield* Deferred.make<PluginExit>()
    child.once("exit", (code, signal) => Deferred.doneUnsafe(exit, Effect.succeed({ code, signal })))
    child.stdin.on("error", () => {})

    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))

    let nextId = 1
    const pending = new Map<number, Deferred.Deferred<unknown, RpcError>>()
    const turnEvents = new Map<string, Queue.Queue<TurnEventParams, Cause.Done>>()
    const unsolicited: Array<unknown> = []
    const lines: Array<string> = []

    const rpcErrorOf = (error: unknown) => {
      const e = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown }
      return new RpcError({
        code: typeof e.code === "number" ? e.code : 0,
        message: typeof e.message === "string" ? e.message : JSON.stringify(error),
        data: e.data
      })
    }

    const recordStdout = options.recordStdout ?? true
    /** Turn events read from the current stdout chunk, offered to their turn's queue in one go. */
    const arrived = new Map<Queue.Queue<TurnEventParams, Cause.Done>, Array<TurnEventParams>>()
    const deliverArrived = () => {
      for (const [queue, events] of arrived) Queue.offerAllUnsafe(queue, events)
      arrived.clear()
    }

    const onLine = (raw: string) => {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
      if (recordStdout) lines.push(line)
      let message: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown }
      try {
        message = JSON.parse(line)
      } catch {
        return
      }
      if (message.method === "turn/event") {
        const params = message.params as TurnEventParams
        const queue = turnEvents.get(params.turnId)
        if (queue === undefined) return
        const events = arrived.get(queue)
        if (events === undefined) arrived.set(queue, [params])
        else events.push(params)
        return
      }
      deliverArrived()
      const deferred = typeof message.id === "number" ? pending.get(message.id) : undefined
      if (deferred === undefined) {
        unsolicited.push(message)
        return
      }
      pending.delete(message.id as number)
      if (message.error !== undefined) Deferred.doneUnsafe(deferred, Effect.fail(rpcErrorOf(message.error)))
      else Deferred.doneUnsafe(deferred, Effect.succeed(message.result))
    }

    const splitter = makeLineSplitter()
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      for (const line of splitter.feed(chunk)) onLine(line)
      deliverArrived()
    })
    child.stdout.on("close", () => {
      for (const line of splitter.end()) onLine(line)
      deliverArrived()
      for (const deferred of pending.values()) {
        Deferred.doneUnsafe(deferred, Effect.fail(new RpcError({ code: PLUGIN_EXITED, message: "the plugin exited before answering" })))
      }
      pending.clear()
      for (const queue of turnEvents.values()) Queue.endUnsafe(queue)
    })

    const writeRaw = (text: string) =>
      Effect.callback<void>((resume) => {
        if (child.stdin.destroyed || child.stdin.writableEnded) return resume(Effect.void)
        child.stdin.write(text, () => resume(Effect.void))
      })

    const request = (method: string, params?: unknown) =>
      Effect.suspend(() => {
        const id = nextId++
        const deferred = Deferred.makeUnsafe<unknown, RpcError>()
        pending.set(id, deferred)
        const line = JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }) + "\n"
        return writeRaw(line).pipe(Effect.andThen(Deferred.await(deferred)))
      })

    const notify = (method: string, params?: unknown) => writeRaw(notificationLine(method, params))

    const turn = (turnId: string, turnRequest: TurnRequest) =>
      Effect.gen(function*() {
        const queue = yield* Queue.unbounded<TurnEventParams, Cause.Done>()
        turnEvents.set(turnId, queue)
        const response = request("provider/turn", { turnId, request: turnRequest }).pipe(
          Effect.ensuring(Effect.sync(() => {
            turnEvents.delete(turnId)
            Queue.endUnsafe(queue)
          }))
        )
        const result = yield* Effect.cached(response as Effect.Effect<TurnResult, RpcError>)
        yield* Effect.forkDetach(Effect.ignore(result))
        return { events: Stream.fromQueue(queue), result } satisfies TurnHandle
      })

    const host: PluginHost = {
      pid: child.pid ?? -1,
      request,
      notify,
      writeRaw,
      initialize: (params = {}) =>
        request("initialize", { protocolVersion: 1, host: { name: "plexum-test-host", version: "0.1.0" }, ...params }) as Effect.Effect<
          InitializeResult,
          RpcError
        >,
      models: Effect.map(request("provider/models", {}), (r) => (r as { models: ReadonlyArray<ModelDescriptor> }).models),
      turn,
      turnCollect: (turnId, turnRequest) =>
        Effect.gen(function*() {
          const handle = yield* turn(turnId, turnRequest)
          const events = yield* Stream.runCollect(handle.events)
          const result = yield* handle.result
          return { events, result }
        }),
      cancel: (turnId) => notify("$/cancel", { turnId }),
      shutdown: request("shutdown", {}),
      closeStdin: Effect.sync(() => child.stdin.end()),
      kill: (signal) => Effect.sync(() => void child.kill(signal)),
      pauseOutput: Effect.sync(() => void child.stdout.pause()),
      resumeOutput: Effect.sync(() => void child.stdout.resume()),
      closeOutput: Effect.sync(() => void child.stdout.destroy()),
      unsolicited: Effect.sync(() => [...unsolicited]),
      stdoutLines: Effect.sync(() => [...lines]),
      stderr: Effect.sync(() => stderr),
      exited: Deferred.await(exit)
    }
    return host
  })
