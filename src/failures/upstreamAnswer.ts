/**
 * What a MiniMax answer says about a failure, read off the wire: the error envelope (as
 * Schema), the request id, `retry-after`, and the status code in a message. Every string
 * that leaves this module has been scrubbed of the key. Pure.
 */
import { Option, Schema } from "effect"
import { scrubOptional, type Scrubber } from "./scrubSecret.ts"

/** `retry-after*` and plan reset delays are capped here. */
export const MAX_RETRY_AFTER_MS = 60_000

/** How much of an error body is read, at most (an endless 5xx body must not be buffered). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024

/** How much of a non-JSON body a failure quotes. */
const SNIPPET_LENGTH = 120

const optionalText = Schema.optionalKey(Schema.NullOr(Schema.String))
const optionalCode = Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.Number, Schema.String])))

/**
 * The envelopes MiniMax uses: `{"type":"error","error":{type,message},"request_id"}` on
 * `/anthropic`, and `base_resp` (`status_code` 0 is success) on its native endpoints and in
 * non-streaming bodies. Unknown fields are ignored.
 */
export const ErrorEnvelope = Schema.Struct({
  type: optionalText,
  error: Schema.optionalKey(Schema.NullOr(Schema.Struct({ type: optionalText, message: optionalText }))),
  message: optionalText,
  request_id: optionalText,
  base_resp: Schema.optionalKey(Schema.NullOr(Schema.Struct({ status_code: optionalCode, status_msg: optionalText })))
})
export type ErrorEnvelope = typeof ErrorEnvelope.Type

const decodeEnvelope = Schema.decodeUnknownOption(ErrorEnvelope)

/** A MiniMax error as its envelope, an SSE `error` event or a `base_resp` carries it, scrubbed. */
export interface UpstreamErrorBody {
  readonly type?: string | undefined
  readonly message?: string | undefined
  readonly requestId?: string | undefined
  /** From `base_resp.status_code`, when the envelope has one. */
  readonly code?: number | undefined
}

export type ParsedBody =
  | { readonly _tag: "Json"; readonly error: UpstreamErrorBody; readonly json: unknown }
  | { readonly _tag: "Text"; readonly snippet: string | undefined }

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** The envelope's error, if `json` is one. */
export const errorOfEnvelope = (json: unknown, scrub: Scrubber): UpstreamErrorBody | undefined => {
  const decoded = decodeEnvelope(json)
  if (Option.isNone(decoded)) return undefined
  const envelope = decoded.value
  const baseCode = envelope.base_resp?.status_code
  const code = baseCode === undefined || baseCode === null || !Number.isInteger(Number(baseCode)) ? undefined : Number(baseCode)
  const message = envelope.error?.message ?? envelope.message ??
    (envelope.base_resp?.status_msg == null ? undefined : `${envelope.base_resp.status_msg} (${code ?? "?"})`)
  return {
    type: scrubOptional(scrub, envelope.error?.type ?? undefined),
    message: scrubOptional(scrub, message ?? undefined),
    requestId: scrubOptional(scrub, envelope.request_id ?? undefined),
    code
  }
}

/** A body as JSON with its error, or as a short quote. */
export const parseBody = (body: string, scrub: Scrubber): ParsedBody => {
  const json = parseJson(body)
  if (Option.isSome(json) && typeof json.value === "object" && json.value !== null && !Array.isArray(json.value)) {
    return { _tag: "Json", error: errorOfEnvelope(json.value, scrub) ?? {}, json: json.value }
  }
  const snippet = scrub(body).trim().slice(0, SNIPPET_LENGTH)
  return { _tag: "Text", snippet: snippet === "" ? undefined : snippet }
}

/** MiniMax's status code: the number in parentheses at the end of a message. */
export const minimaxCodeOf = (message: string | undefined): number | undefined => {
  const match = message === undefined ? null : /\((\d{3,5})\)\s*$/.exec(message)
  return match === null ? undefined : Number(match[1])
}

export type Headers = Readonly<Record<string, string | undefined>>

const header = (headers: Headers, name: string): string | undefined => {
  const direct = headers[name]
  if (direct !== undefined) return direct
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key]
  return undefined
}

/** The request id from the body, else from the headers MiniMax is known to use; scrubbed. */
export const requestIdOf = (headers: Headers, scrub: Scrubber, bodyRequestId?: string): string | undefined =>
  bodyRequestId ??
    scrubOptional(scrub, header(headers, "trace-id") ?? header(headers, "minimax-request-id") ?? header(headers, "x-mm-request-id"))

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date; capped at a minute. */
export const retryAfterMsOf = (headers: Headers, nowMs: number): number | undefined => {
  const cap = (ms: number) => Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS)
  const ms = Number(header(headers, "retry-after-ms"))
  if (header(headers, "retry-after-ms") !== undefined && Number.isFinite(ms)) return cap(ms)
  const value = header(headers, "retry-after")?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return cap(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : cap(date - nowMs)
}

/**
 * "resets at <ISO time>" in a 2056 message, as a delay from now. MiniMax writes the time in
 * UTC with a `Z`; a time without a zone is read as UTC too, never as the machine's local time.
 */
export const resetDelayMs = (message: string, nowMs: number): number | undefined => {
  const match = /resets? at (\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?/i.exec(message)
  if (match === null) return undefined
  const zone = match[3] === undefined || match[3].toUpperCase() === "Z" ? "Z" : match[3]
  const at = Date.parse(`${match[1]}T${match[2]}${zone}`)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

/** The origin a redirect points to (never its path or query), or why it cannot be said. */
export const redirectTargetOf = (headers: Headers, from: string): string => {
  const location = header(headers, "location")
  if (location === undefined) return "an unnamed location"
  try {
    return new URL(location, from).origin
  } catch {
    return "an invalid location"
  }
}
