/**
 * The protocol in-process: `serve` over the in-memory transport, driven line by line. What
 * only a real process shows (exit codes, signals, stdin EOF, stdout hygiene) stays in the
 * spawned-process tests of test/protocol.test.ts and test/reliability.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Queue, Stream } from "effect"
import type { Scope } from "effect"
import { makeMemoryTransport, type ProviderPlugin, serve, type TurnEvent, type TurnRequest } from "../src/index.ts"

const MODELS = [{
  id: "m1",
  displayName: "Model 1",
  contextWindow: 1000,
  maxOutputTokens: 100,
  supports: { thinking: false, tools: true, images: false }
}]

const answer = (text: string): ReadonlyArray<TurnEvent> => [
  { type: "turn_start", messageId: "msg", model: "m1" },
  { type: "block_start", index: 0, block: { type: "text" } },
  { type: "text_delta", index: 0, text },
  { type: "block_stop", index: 0, block: { type: "text", text } },
  { type: "turn_stop", stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 1 } }
]

const lastText = (request: TurnRequest) => {
  const content = request.messages.at(-1)?.content
  return typeof content === "string" ? content : ""
}

/** Echoes the last user text; "hang" starts and then never ends, until interrupted. */
const echoPlugin: ProviderPlugin = {
  id: "echo",
  version: "1.0.0",
  initialize: () => Effect.void,
  models: Effect.succeed(MODELS),
  turn: (request) =>
    lastText(request) === "hang"
      ? Stream.concat(Stream.fromIterable(answer("partial").slice(0, 2)), Stream.never)
      : Stream.fromIterable(answer(lastText(request)))
}

interface Connection {
  readonly send: (message: unknown) => Effect.Effect<void>
  readonly writeRaw: (text: string) => Effect.Effect<void>
  /** The next line the plugin wrote, raw. */
  readonly nextLine: Effect.Effect<string>
  /** The next line, parsed. */
  readonly next: Effect.Effect<any>
  readonly end: Effect.Effect<void>
  readonly served: Fiber.Fiber<void>
}

const connectInMemory = (plugin: ProviderPlugin = echoPlugin): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function*() {
    const memory = yield* makeMemoryTransport
    const served = yield* Effect.forkScoped(serve(plugin, Effect.succeed(memory.transport)))
    const nextLine = Queue.take(memory.output).pipe(Effect.orDie) as Effect.Effect<string>
    return {
      send: (message) => memory.write(JSON.stringify(message) + "\n"),
      writeRaw: memory.write,
      nextLine,
      next: Effect.map(nextLine, (line) => JSON.parse(line)),
      end: memory.end,
      served
    }
  })

const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })
const initialize = (id = 1) => request(id, "initialize", { protocolVersion: 1 })
const turn = (id: number, turnId: string, text: string) =>
  request(id, "provider/turn", { turnId, request: { model: "m1", messages: [{ role: "user", content: text }] } })

describe("serve, in memory", () => {
  it.effect("-32700 for a line that is not JSON, with id null; then it keeps serving", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.writeRaw("{not json\n")
      const error = yield* c.next
      assert.deepStrictEqual([error.id, error.error.code], [null, -32700])
      yield* c.send(request(2, "ping", {}))
      assert.deepStrictEqual(yield* c.next, { jsonrpc: "2.0", id: 2, result: {} })
    }).pipe(Effect.scoped))

  it.effect("-32600 for an array or a message that is not JSON-RPC, keeping a usable id", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.writeRaw("[1,2]\n")
      const batch = yield* c.next
      assert.deepStrictEqual([batch.id, batch.error.code], [null, -32600])
      yield* c.send({ jsonrpc: "1.0", id: "x", method: "ping" })
      const wrongVersion = yield* c.next
      assert.deepStrictEqual([wrongVersion.id, wrongVersion.error.code], ["x", -32600])
    }).pipe(Effect.scoped))

  it.effect("-32601 for an unknown method, -32002 before initialize (ping and shutdown excepted)", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(request(1, "provider/models", {}))
      assert.strictEqual((yield* c.next).error.code, -32002)
      yield* c.send(request(2, "ping", {}))
      assert.deepStrictEqual((yield* c.next).result, {})
      yield* c.send(initialize(3))
      const init = yield* c.next
      assert.deepStrictEqual([init.result.kind, init.result.models], ["provider", MODELS])
      yield* c.send(request(4, "provider/nothing", {}))
      const unknown = yield* c.next
      assert.deepStrictEqual([unknown.id, unknown.error.code], [4, -32601])
    }).pipe(Effect.scoped))

  it.effect("-32602 with data.issues paths relative to params", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(initialize())
      yield* c.next
      yield* c.send(request(2, "provider/turn", { turnId: "t", request: { model: "m1", messages: [{ role: "robot", content: "x" }] } }))
      const error = yield* c.next
      assert.strictEqual(error.error.code, -32602)
      assert.isTrue(error.error.data.issues.some((issue: { path: string }) => issue.path === "request.messages[0].role"))
      yield* c.send(request(3, "initialize", { protocolVersion: 2 }))
      const version = yield* c.next
      assert.strictEqual(version.error.code, -32602)
      assert.include(version.error.message, "1")
    }).pipe(Effect.scoped))

  it.effect("a turn: seq from 0 rising by 1, turn_start first, turn_stop last, then the folded result", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(initialize())
      yield* c.next
      yield* c.send(turn(2, "t1", "hello"))
      const events = []
      for (let i = 0; i < 5; i++) events.push(yield* c.next)
      assert.deepStrictEqual(events.map((e) => e.params.seq), [0, 1, 2, 3, 4])
      assert.deepStrictEqual(events.map((e) => e.params.event.type), ["turn_start", "block_start", "text_delta", "block_stop", "turn_stop"])
      assert.isTrue(events.every((e) => e.method === "turn/event" && e.params.turnId === "t1"))
      const result = yield* c.next
      assert.deepStrictEqual(result, {
        jsonrpc: "2.0",
        id: 2,
        result: { turnId: "t1", stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 1 }, content: [{ type: "text", text: "hello" }] }
      })
    }).pipe(Effect.scoped))

  it.effect("a turnId already in flight gets -32602; $/cancel answers the turn -32800", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(initialize())
      yield* c.next
      yield* c.send(turn(2, "same", "hang"))
      yield* c.next
      yield* c.next
      yield* c.send(turn(3, "same", "again"))
      const duplicate = yield* c.next
      assert.deepStrictEqual([duplicate.id, duplicate.error.code, duplicate.error.data.issues[0].path], [3, -32602, "turnId"])
      yield* c.send({ jsonrpc: "2.0", method: "$/cancel", params: { turnId: "same" } })
      const cancelled = yield* c.next
      assert.deepStrictEqual([cancelled.id, cancelled.error.code, cancelled.error.data], [2, -32800, { tag: "Cancelled" }])
    }).pipe(Effect.scoped))

  it.effect("shutdown cancels turns in flight, answers null, and ends serving", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(initialize())
      yield* c.next
      yield* c.send(turn(2, "long", "hang"))
      yield* c.next
      yield* c.next
      yield* c.send(request(3, "shutdown", {}))
      const replies = [yield* c.next, yield* c.next]
      assert.deepStrictEqual(replies.map((r) => [r.id, r.error?.code ?? r.result]), [[2, -32800], [3, null]])
      yield* Fiber.join(c.served)
    }).pipe(Effect.scoped))

  it.effect("the end of the input (EOF) ends serving", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.end
      yield* Fiber.join(c.served)
    }).pipe(Effect.scoped))

  it.effect("hardening 9: an id above 2^53 is echoed exactly", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.writeRaw(`{"jsonrpc":"2.0","id":12345678901234567890123,"method":"ping","params":{}}\n`)
      assert.strictEqual(yield* c.nextLine, `{"jsonrpc":"2.0","id":12345678901234567890123,"result":{}}`)
      yield* c.writeRaw(`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}\n`)
      assert.include(yield* c.nextLine, `"id":9007199254740993,`)
    }).pipe(Effect.scoped))

  it.effect("hardening 9: a request with \"id\": null is answered, with id null", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.send(request(null, "ping", {}))
      assert.deepStrictEqual(yield* c.next, { jsonrpc: "2.0", id: null, result: {} })
      yield* c.send(request(null, "provider/models", {}))
      assert.deepStrictEqual([(yield* c.next).id], [null])
    }).pipe(Effect.scoped))

  it.effect("hardening 9: only \\n ends a line; a raw CR inside one does not split it", () =>
    Effect.gen(function*() {
      const c = yield* connectInMemory()
      yield* c.writeRaw(`{"jsonrpc":"2.0",\r"id":5,"method":"ping"}\r\n`)
      assert.deepStrictEqual(yield* c.next, { jsonrpc: "2.0", id: 5, result: {} })
      yield* c.writeRaw(`{"jsonrpc":"2.0","id":6,\r\r"method":"ping"}\n`)
      assert.deepStrictEqual(yield* c.next, { jsonrpc: "2.0", id: 6, result: {} })
    }).pipe(Effect.scoped))

  it.effect("hardening 1: tool input numbers a double cannot hold reach the plugin exactly", () =>
    Effect.gen(function*() {
      let seen: unknown
      const c = yield* connectInMemory({
        ...echoPlugin,
        turn: (turnRequest) => {
          seen = turnRequest.messages[0]?.content
          return Stream.fromIterable(answer("ok"))
        }
      })
      yield* c.send(initialize())
      yield* c.next
      yield* c.writeRaw(
        `{"jsonrpc":"2.0","id":2,"method":"provider/turn","params":{"turnId":"n","request":{"model":"m1","messages":[` +
          `{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"f","input":{"message_id":1234567890123456789,"big":1e400,"small":1.5}}]}]}}}\n`
      )
      for (let i = 0; i < 6; i++) yield* c.next
      assert.strictEqual(JSON.stringify(seen), `[{"type":"tool_use","id":"call_1","name":"f","input":{"message_id":1234567890123456789,"big":1e400,"small":1.5}}]`)
    }).pipe(Effect.scoped))
})
