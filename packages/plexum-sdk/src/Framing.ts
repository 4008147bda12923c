/**
 * JSON-RPC 2.0 framing for newline-delimited stdio (§2 of the protocol). Pure: no I/O,
 * no method names. Every function that builds a line returns it with its trailing `\n`.
 */
import { isRawJson, parseJsonExact, type RawJson } from "./ExactJson.ts"
import { ErrorCode } from "./Protocol.ts"

/**
 * A JSON-RPC request id, echoed exactly: a number a double cannot hold (above 2^53) stays its
 * source text. `null` is the id of a request that gave `"id": null`, and of errors about lines
 * whose id cannot be read.
 */
export type RequestId = string | number | RawJson

/** What one stdin line turned out to be. */
export type IncomingMessage =
  | { readonly _tag: "Blank" }
  | { readonly _tag: "Request"; readonly id: RequestId | null; readonly method: string; readonly params: unknown }
  | { readonly _tag: "Notification"; readonly method: string; readonly params: unknown }
  /** Not a message we can dispatch; `reply` is the error line to send back. */
  | { readonly _tag: "Rejected"; readonly reply: string }

const BOM = "\uFEFF"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const usableId = (value: unknown): RequestId | null =>
  typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) || isRawJson(value) ? value : null

/**
 * Reads one line of stdin. Never throws. A message with an `id` member is a request, also
 * when the id is `null` (it is answered with `id: null`); one without is a notification.
 */
export const parseLine = (raw: string): IncomingMessage => {
  const line = raw.startsWith(BOM) ? raw.slice(1) : raw
  if (line.trim() === "") return { _tag: "Blank" }
  let json: unknown
  try {
    json = parseJsonExact(line)
  } catch (cause) {
    const detail = cause instanceof RangeError ? "it is nested too deeply" : "it is not valid JSON"
    return { _tag: "Rejected", reply: errorLine(null, ErrorCode.ParseError, `Parse error: ${detail}`) }
  }
  if (Array.isArray(json)) {
    return { _tag: "Rejected", reply: errorLine(null, ErrorCode.InvalidRequest, "Invalid Request: batches are not supported") }
  }
  if (!isRecord(json)) {
    return { _tag: "Rejected", reply: errorLine(null, ErrorCode.InvalidRequest, "Invalid Request: a message must be a JSON object") }
  }
  const hasId = Object.hasOwn(json, "id")
  const id = hasId ? usableId(json.id) : null
  const invalid = (why: string): IncomingMessage => ({
    _tag: "Rejected",
    reply: errorLine(id, ErrorCode.InvalidRequest, `Invalid Request: ${why}`)
  })
  if (json.jsonrpc !== "2.0") return invalid(`"jsonrpc" must be "2.0"`)
  if (hasId && id === null && json.id !== null) return invalid(`"id" must be a string, a number or null`)
  if (typeof json.method !== "string" || json.method === "") {
    return invalid(Object.hasOwn(json, "result") || Object.hasOwn(json, "error")
      ? "the plugin sends no requests, so it expects no responses"
      : `"method" must be a non-empty string`)
  }
  const params = json.params ?? undefined
  if (params !== undefined && typeof params !== "object") return invalid(`"params" must be an object`)
  return hasId
    ? { _tag: "Request", id, method: json.method, params }
    : { _tag: "Notification", method: json.method, params }
}

/** The success response line for request `id`. */
export const responseLine = (id: RequestId | null, result: unknown): string =>
  JSON.stringify({ jsonrpc: "2.0", id, result: result === undefined ? null : result }) + "\n"

/** The error response line for request `id` (null when the request's id cannot be read). */
export const errorLine = (id: RequestId | null, code: number, message: string, data?: unknown): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    error: data === undefined ? { code, message } : { code, message, data }
  }) + "\n"

/** A notification line. */
export const notificationLine = (method: string, params: unknown): string =>
  JSON.stringify({ jsonrpc: "2.0", method, params }) + "\n"

/**
 * The `turn/event` line builder for one turn: the same line as
 * `notificationLine("turn/event", { turnId, seq, event })`, with the fixed part serialised once,
 * since this runs for every event of every turn.
 */
export const turnEventLine = (turnId: string): (seq: number, event: unknown) => string => {
  const prefix = `{"jsonrpc":"2.0","method":"turn/event","params":{"turnId":${JSON.stringify(turnId)},"seq":`
  return (seq, event) => `${prefix}${seq},"event":${JSON.stringify(event)}}}\n`
}

/**
 * Splits stdin text into lines. Only `\n` ends a line (§2): a raw CR inside a line is part of
 * it, and JSON.parse ignores the CR of a CRLF. Pure; `feed` keeps the unfinished last line.
 */
export const makeLineSplitter = () => {
  /** The unfinished line, in the pieces it arrived in (joined once, when it ends). */
  let pieces: Array<string> = []
  return {
    feed: (text: string): Array<string> => {
      const lines: Array<string> = []
      let end = text.indexOf("\n")
      if (end < 0) {
        if (text !== "") pieces.push(text)
        return lines
      }
      pieces.push(text.slice(0, end))
      lines.push(pieces.length === 1 ? pieces[0]! : pieces.join(""))
      pieces = []
      let start = end + 1
      for (end = text.indexOf("\n", start); end >= 0; end = text.indexOf("\n", start)) {
        lines.push(text.slice(start, end))
        start = end + 1
      }
      if (start < text.length) pieces.push(text.slice(start))
      return lines
    },
    /** The last line, when the text did not end with `\n`. */
    end: (): Array<string> => {
      const last = pieces.join("")
      pieces = []
      return last === "" ? [] : [last]
    }
  }
}
