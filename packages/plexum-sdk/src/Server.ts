/**
 * `serve(plugin)`: the protocol side of a provider plugin (§3, §5). The dispatcher knows
 * the methods and the lifecycle; the transport (./Transport.ts) knows stdio, or memory.
 */
import { Cause, Effect, Exit, FiberMap, Schema, SchemaIssue, Stream } from "effect"
import type { Scope, Stdio } from "effect"
import { errorLine, type IncomingMessage, parseLine, type RequestId, responseLine, turnEventLine } from "./Framing.ts"
import { type ProviderPlugin, toProviderFailure, type TurnFailure } from "./Plugin.ts"
import {
  CancelParams,
  ErrorCode,
  InitializeParams,
  type InitializeResult,
  type ParamIssue,
  PROTOCOL_VERSION,
  type TurnEvent,
  TurnParams
} from "./Protocol.ts"
import { emptyTurnResultFold, foldTurnEvents, turnResultOf } from "./TurnResultFold.ts"
import { makeStdioTransport, type Transport } from "./Transport.ts"

/**
 * How long stopping may wait, for in-flight turns to be cancelled and then for queued output to
 * reach a host that may still read it. Twice this, plus process exit, stays well within the
 * protocol's 2 seconds: a host that stopped reading costs the flush wait, nothing more.
 */
const SHUTDOWN_FLUSH_MS = 1_000

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`,
    ""
  )

/** Decodes params against a schema, listing every problem as `{path, message}`. */
export const decodeParams = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (params: unknown): { readonly ok: true; readonly value: S["Type"] } | { readonly ok: false; readonly issues: ReadonlyArray<ParamIssue> } => {
    const result = decode(params ?? {}, { errors: "all", onExcessProperty: "ignore" })
    if (result._tag === "Success") return { ok: true, value: result.success }
    return {
      ok: false,
      issues: formatIssues(result.failure.issue).issues.map((issue) => ({
        path: formatPath((issue.path ?? []).map((segment) => typeof segment === "object" ? segment.key : segment)),
        message: issue.message
      }))
    }
  }
}

const decodeInitialize = decodeParams(InitializeParams)
const decodeTurn = decodeParams(TurnParams)
const decodeCancel = decodeParams(CancelParams)

const invalidParams = (id: RequestId | null, issues: ReadonlyArray<ParamIssue>) =>
  errorLine(id, ErrorCode.InvalidParams, `Invalid params: ${issues.map((i) => `${i.path || "params"}: ${i.message}`).join("; ")}`, { issues })

const turnReply = (id: RequestId | null, turnId: string, exit: Exit.Exit<unknown, TurnFailure>): string => {
  if (Exit.isSuccess(exit)) return responseLine(id, exit.value)
  const failure = Cause.findErrorOption(exit.cause)
  if (failure._tag === "Some") {
    const data = toProviderFailure(failure.value)
    return errorLine(id, ErrorCode.ProviderFailure, data.message, data)
  }
  if (Cause.hasInterruptsOnly(exit.cause)) {
    return errorLine(id, ErrorCode.Cancelled, `Turn ${turnId} was cancelled`, { tag: "Cancelled" })
  }
  return errorLine(id, ErrorCode.InternalError, `Internal error in turn ${turnId}: ${String(Cause.squash(exit.cause))}`)
}

/** What the dispatcher tells the read loop after a line. */
type Next = "continue" | "stop"

/** The protocol's side of a connection: what each incoming message does. */
export interface Dispatcher<R = never> {
  readonly handle: (message: IncomingMessage) => Effect.Effect<Next, never, R>
  /** Cancels every in-flight turn; each one is answered -32800 before this returns. */
  readonly cancelAll: Effect.Effect<void>
}

/**
 * The protocol: methods, lifecycle and turns, over the output side of a transport (`send`
 * takes whole lines; `stopping` says output must no longer wait on the host).
 */
export const makeDispatcher = <R>(
  plugin: ProviderPlugin<R>,
  { send, stopping }: Pick<Transport, "send" | "stopping">
): Effect.Effect<Dispatcher<R>, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    const turns = yield* FiberMap.make<string>()
    const inFlight = new Set<string>()
    let initialized = false

    const runTurn = (id: RequestId | null, params: TurnParams) => {
      const { turnId, request } = params
      let seq = 0
      let fold = emptyTurnResultFold()
      const eventLine = turnEventLine(turnId)
      const relay = (events: ReadonlyArray<TurnEvent>) => {
        const lines = new Array<string>(events.length)
        for (let i = 0; i < events.length; i++) lines[i] = eventLine(seq++, events[i])
        fold = foldTurnEvents(fold, events)
        return send(lines.join(""))
      }
      return plugin.turn(request, { turnId }).pipe(
        Stream.runForEachArray(relay),
        Effect.flatMap(() => {
          const result = turnResultOf(fold, turnId)
          return result === undefined
            ? Effect.die(new Error("the plugin's turn stream ended without turn_stop"))
            : Effect.succeed(result)
        }),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            inFlight.delete(turnId)
            return Effect.all([
              // A provider failure is the plugin's to log with its details; a defect is logged here.
              (Exit.isFailure(exit) && Cause.hasDies(exit.cause)
                ? Effect.logError("turn failed with a defect", Cause.pretty(exit.cause))
                : Effect.logDebug("turn ended", Exit.isSuccess(exit) ? "success" : Cause.hasInterruptsOnly(exit.cause) ? "cancelled" : "failure")).pipe(
                  Effect.annotateLogs({ turn: turnId })
                ),
              send(turnReply(id, turnId, exit))
            ])
          })
        )
      )
    }

    const request = (id: RequestId | null, method: string, params: unknown): Effect.Effect<Next, never, R> => {
      const reply = (line: string) => Effect.as(send(line), "continue" as const)
      switch (method) {
        case "ping":
          return reply(responseLine(id, {}))
        case "shutdown":
          return stopping.pipe(Effect.andThen(cancelAll), Effect.andThen(send(responseLine(id, null))), Effect.as("stop" as const))
        case "initialize": {
          const decoded = decodeInitialize(params)
          if (!decoded.ok) return reply(invalidParams(id, decoded.issues))
          if (decoded.value.protocolVersion !== PROTOCOL_VERSION) {
            return reply(errorLine(
              id,
              ErrorCode.InvalidParams,
              `Unsupported protocolVersion ${decoded.value.protocolVersion}: this plugin supports protocolVersion ${PROTOCOL_VERSION}`,
              { issues: [{ path: "protocolVersion", message: `Expected ${PROTOCOL_VERSION}` }], supported: [PROTOCOL_VERSION] }
            ))
          }
          return Effect.gen(function*() {
            yield* plugin.initialize(decoded.value)
            initialized = true
            const result: InitializeResult = {
              protocolVersion: PROTOCOL_VERSION,
              plugin: { id: plugin.id, version: plugin.version },
              kind: "provider",
              models: yield* plugin.models
            }
            return yield* reply(responseLine(id, result))
          })
        }
      }
      if (!initialized) {
        return reply(errorLine(id, ErrorCode.NotInitialized, `Not initialized: send initialize before ${method}`))
      }
      switch (method) {
        case "provider/models":
          return Effect.flatMap(plugin.models, (models) => reply(responseLine(id, { models })))
        case "provider/turn": {
          const decoded = decodeTurn(params)
          if (!decoded.ok) return reply(invalidParams(id, decoded.issues))
          const { turnId } = decoded.value
          if (inFlight.has(turnId)) {
            return reply(invalidParams(id, [{ path: "turnId", message: `turn ${turnId} is already in flight` }]))
          }
          inFlight.add(turnId)
          return FiberMap.run(turns, turnId, runTurn(id, decoded.value)).pipe(Effect.as("continue" as const))
        }
        default:
          return reply(errorLine(id, ErrorCode.MethodNotFound, `Method not found: ${method}`))
      }
    }

    const notification = (method: string, params: unknown): Effect.Effect<Next> => {
      if (method !== "$/cancel") return Effect.succeed("continue")
      const decoded = decodeCancel(params)
      if (!decoded.ok) return Effect.as(Effect.logWarning("ignored $/cancel with invalid params"), "continue")
      return FiberMap.remove(turns, decoded.value.turnId).pipe(Effect.as("continue" as const))
    }

    const cancelAll = FiberMap.clear(turns)

    const handle = (message: IncomingMessage): Effect.Effect<Next, never, R> => {
      switch (message._tag) {
        case "Blank":
          return Effect.succeed("continue")
        case "Rejected":
          return Effect.as(send(message.reply), "continue")
        case "Notification":
          return notification(message.method, message.params)
        case "Request":
          return request(message.id, message.method, message.params).pipe(
            Effect.catchCause((cause) =>
              Effect.logError(`request ${message.method} failed`, Cause.pretty(cause)).pipe(
                Effect.andThen(send(errorLine(message.id, ErrorCode.InternalError, `Internal error in ${message.method}`))),
                Effect.as("continue" as const)
              )
            )
          )
      }
    }

    const dispatcher: Dispatcher<R> = { handle, cancelAll }
    return dispatcher
  })

/**
 * Serves a plugin until `shutdown`, the end of its input or interruption (SIGTERM/SIGINT
 * under `NodeRuntime.runMain`), on stdio unless given another transport. Every way out stops
 * waiting on output first (a host that stopped reading cannot hold the plugin), then cancels
 * in-flight turns, answers them -32800 and flushes what it can.
 */
export function serve<R>(plugin: ProviderPlugin<R>): Effect.Effect<void, never, R | Stdio.Stdio>
export function serve<R, RT>(
  plugin: ProviderPlugin<R>,
  transport: Effect.Effect<Transport, never, RT | Scope.Scope>
): Effect.Effect<void, never, R | Exclude<RT, Scope.Scope>>
export function serve<R, RT>(
  plugin: ProviderPlugin<R>,
  transport: Effect.Effect<Transport, never, RT | Scope.Scope> = makeStdioTransport as Effect.Effect<Transport, never, RT | Scope.Scope>
): Effect.Effect<void, never, R | Exclude<RT, Scope.Scope>> {
  return Effect.gen(function*() {
    const { close, lines, send, stopping } = yield* transport
    const dispatcher = yield* makeDispatcher(plugin, { send, stopping })
    const stop = stopping.pipe(
      Effect.andThen(dispatcher.cancelAll),
      Effect.timeoutOption(SHUTDOWN_FLUSH_MS),
      Effect.andThen(close(SHUTDOWN_FLUSH_MS))
    )
    yield* lines.pipe(
      Stream.mapEffect((line) => dispatcher.handle(parseLine(line))),
      Stream.takeUntil((next) => next === "stop"),
      Stream.runDrain,
      Effect.ensuring(stop)
    )
  }).pipe(Effect.scoped)
}
