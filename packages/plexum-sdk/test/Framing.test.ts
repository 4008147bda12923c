/**
 * Framing on plain strings: what each kind of line becomes.
 */
import { assert, describe, it } from "@effect/vitest"
import { notificationLine, parseLine, turnEventLine } from "../src/Framing.ts"

const replyOf = (line: string) => {
  const message = parseLine(line)
  assert.strictEqual(message._tag, "Rejected")
  return message._tag === "Rejected" ? JSON.parse(message.reply) : undefined
}

describe("parseLine", () => {
  it("reads requests and notifications, dropping a BOM and ignoring blank lines", () => {
    assert.deepStrictEqual(parseLine("\uFEFF{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\",\"params\":{}}"), { _tag: "Request", id: "a", method: "ping", params: {} })
    assert.deepStrictEqual(parseLine("{\"jsonrpc\":\"2.0\",\"method\":\"$/cancel\",\"params\":{\"turnId\":\"t\"}}"), { _tag: "Notification", method: "$/cancel", params: { turnId: "t" } })
    assert.deepStrictEqual(parseLine("   \t"), { _tag: "Blank" })
  })

  it("answers each kind of bad line with the right code and id", () => {
    const cases: Array<[string, number, unknown]> = [
      ["not json", -32700, null],
      ["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"", -32700, null],
      ["{\"a\":\u0000}", -32700, null],
      ["[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, null],
      ["42", -32600, null],
      ["\"ping\"", -32600, null],
      ["null", -32600, null],
      ["{\"id\":3,\"method\":\"ping\"}", -32600, 3],
      ["{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"ping\"}", -32600, "x"],
      ["{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", -32600, null],
      ["{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", -32600, null],
      ["{\"jsonrpc\":\"2.0\",\"id\":4}", -32600, 4],
      ["{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":7}", -32600, 5],
      ["{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"\"}", -32600, 6],
      ["{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}", -32600, 7],
      ["{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"params\":\"x\"}", -32600, 8],
      ["[".repeat(200_000), -32700, null]
    ]
    for (const [line, code, id] of cases) {
      const reply = replyOf(line)
      assert.strictEqual(reply.error.code, code, line.slice(0, 60))
      assert.strictEqual(reply.id, id, line.slice(0, 60))
      assert.strictEqual(reply.jsonrpc, "2.0")
    }
  })

  it("builds turn/event lines exactly as notificationLine would", () => {
    const line = turnEventLine("turn \"1\"\n")
    const event = { type: "text_delta", index: 2, text: "a\nb \u2028 ✓" }
    assert.strictEqual(line(7, event), notificationLine("turn/event", { turnId: "turn \"1\"\n", seq: 7, event }))
    assert.deepStrictEqual(JSON.parse(line(0, event)), { jsonrpc: "2.0", method: "turn/event", params: { turnId: "turn \"1\"\n", seq: 0, event } })
  })
})
