/**
 * JSON-RPC 2.0 framing for newline-delimited stdio (§2 of the protocol). Pure: no I/O,
 * no method names. Every function that builds a line returns it with its trailing `\n`.
 */
import { ErrorCode } from "./Protocol.ts"

export type RequestId = string | number

/** What one stdin line turned out to be. */
export type IncomingMessage =
  | { readonly _tag: "Blank" }
  | { readonly _tag: "Request"; readonly id: RequestId; readonly method: string; readonly params: unknown }
  | { readonly _tag: "Notification"; readonly method: string; readonly params: unknown }
  /** Not a message we can dispatch; `reply` is the error line to send back. */
  | { readonly _tag: "Rejected"; readonly reply: string }

const BOM = "\uFEFF"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const usableId = (value: unknown): RequestId | null =>
  typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ? value : null

/** Reads one line of stdin. Never throws. */
export const parseLine = (raw: string): IncomingMessage => {
  const line = raw.startsWith(BOM) ? raw.slice(1) : raw
  if (line.trim() === "") return { _tag: "Blank" }
  let json: unknown
  try {
    json = JSON.parse(line)
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
  const hasId = Object.hasOwn(json, "id") && json.id !== null
  const id = hasId ? usableId(json.id) : null
  const invalid = (why: string): IncomingMessage => ({
    _tag: "Rejected",
    reply: errorLine(id, ErrorCode.InvalidRequest, `Invalid Request: ${why}`)
  })
  if (json.jsonrpc !== "2.0") return invalid(`"jsonrpc" must be "2.0"`)
  if (hasId && id === null) return invalid(`"id" must be a string or a number`)
  if (typeof json.method !== "string" || json.method === "") {
    return invalid(Object.hasOwn(json, "result") || Object.hasOwn(json, "error")
      ? "the plugin sends no requests, so it expects no responses"
      : `"method" must be a non-empty string`)
  }
  const params = json.params ?? undefined
  if (params !== undefined && typeof params !== "object") return invalid(`"params" must be an object`)
  return id === null
    ? { _tag: "Notification", method: json.method, params }
    : { _tag: "Request", id, method: json.method, params }
}

export const responseLine = (id: RequestId, result: unknown): string =>
  JSON.stringify({ jsonrpc: "2.0", id, result: result === undefined ? null : result }) + "\n"

export const errorLine = (id: RequestId | null, code: number, message: string, data?: unknown): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    error: data === undefined ? { code, message } : { code, message, data }
  }) + "\n"

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
