/**
 * The one mapping from what MiniMax answered to a MinimaxFailure, following §5 of
 * minimax-upstream.md: MiniMax's own status code (the "(NNNN)" at the end of the message)
 * decides first, the HTTP status only when there is no code. Pure.
 */
import type { UpstreamDetails } from "@plexum/sdk"
import {
  AuthFailed,
  ContentFiltered,
  ContextTooLong,
  type FailureFields,
  InsufficientBalance,
  InvalidRequest,
  type MinimaxFailure,
  ModelNotInPlan,
  Overloaded,
  RateLimited,
  Timeout,
  UpstreamError,
  UpstreamUnavailable
} from "./MinimaxFailure.ts"

/** What a hint may name about the turn that failed. */
export interface FailureContext {
  readonly model: string
  readonly region: "global" | "cn"
  readonly authHeader: "bearer" | "x-api-key" | "both"
}

/** A non-2xx answer, as read off the wire. */
export interface HttpAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  /** For `retry-after` dates and plan reset times. */
  readonly nowMs: number
}

/** A MiniMax error as its envelope or an SSE `error` event carries it. */
export interface MinimaxErrorBody {
  readonly type?: string | undefined
  readonly message?: string | undefined
  readonly requestId?: string | undefined
}

/** `retry-after*` and plan reset delays are capped here (issue: honour them up to 60 s). */
export const MAX_RETRY_AFTER_MS = 60_000

export const AUTH_HINT =
  "Check the key in api_key (is it right and unexpired?), its region (`region`: global for api.minimax.io keys, cn for api.minimaxi.com keys), and `auth_header` (bearer, x-api-key or both); `--probe` tells these apart."

/** MiniMax's status code: the number in parentheses at the end of the message. */
export const minimaxCodeOf = (message: string | undefined): number | undefined => {
  const match = message === undefined ? null : /\((\d{3,5})\)\s*$/.exec(message)
  return match === null ? undefined : Number(match[1])
}

const header = (headers: HttpAnswer["headers"], name: string): string | undefined => {
  const direct = headers[name]
  if (direct !== undefined) return direct
  const wanted = name.toLowerCase()
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key]
  return undefined
}

/** The request id from the body, else from the headers MiniMax is known to use. */
export const requestIdOf = (headers: HttpAnswer["headers"], bodyRequestId?: string): string | undefined =>
  bodyRequestId ?? header(headers, "trace-id") ?? header(headers, "minimax-request-id") ?? header(headers, "x-mm-request-id")

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date; capped at a minute. */
export const retryAfterMsOf = (headers: HttpAnswer["headers"], nowMs: number): number | undefined => {
  const cap = (ms: number) => Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS)
  const ms = Number(header(headers, "retry-after-ms"))
  if (header(headers, "retry-after-ms") !== undefined && Number.isFinite(ms)) return cap(ms)
  const value = header(headers, "retry-after")?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return cap(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : cap(date - nowMs)
}

interface Parsed {
  readonly json: boolean
  readonly error: MinimaxErrorBody
}

const parseErrorBody = (body: string): Parsed => {
  try {
    const json = JSON.parse(body) as {
      error?: { type?: unknown; message?: unknown }
      request_id?: unknown
      base_resp?: { status_code?: unknown; status_msg?: unknown }
      type?: unknown
      message?: unknown
    }
    if (typeof json !== "object" || json === null) return { json: false, error: {} }
    const error = typeof json.error === "object" && json.error !== null ? json.error : json
    const baseResp = json.base_resp
    const message = typeof error.message === "string"
      ? error.message
      : typeof baseResp?.status_msg === "string"
      ? `${baseResp.status_msg} (${String(baseResp.status_code)})`
      : undefined
    return {
      json: true,
      error: {
        type: typeof error.type === "string" ? error.type : undefined,
        message,
        requestId: typeof json.request_id === "string" ? json.request_id : undefined
      }
    }
  } catch {
    return { json: false, error: {} }
  }
}

type Loose<T> = { readonly [K in keyof T]?: T[K] | undefined }

const compactUpstream = (upstream: Loose<UpstreamDetails>): UpstreamDetails =>
  Object.fromEntries(Object.entries(upstream).filter(([, v]) => v !== undefined)) as UpstreamDetails

/** "resets at <ISO time>" in a 2056 message, as a delay from now. */
const resetDelayMs = (message: string, nowMs: number): number | undefined => {
  const match = /resets? at ([0-9T:\-.+Z ]+\d)/i.exec(message)
  const at = match === null ? NaN : Date.parse(match[1]!.trim())
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

const invalidRequestHint = (message: string, context: FailureContext): string => {
  if (/temperature/i.test(message)) return "MiniMax M2.x takes temperature in (0, 1]; 0 is rejected."
  if (/image|document|content is empty/i.test(message)) {
    return `${context.model} takes text only: remove image and document blocks.`
  }
  if (/tool.*(id|result)/i.test(message)) {
    return "Every tool_result must answer a tool_use of the previous assistant message, sent back unchanged."
  }
  return "MiniMax rejected a parameter of the request; the message says which."
}

/**
 * The failure for a MiniMax code, or for an HTTP status when there is no code.
 * `summary` is MiniMax's own message (without the code), when there is one.
 */
const classify = (
  code: number | undefined,
  status: number | undefined,
  upstreamMessage: string,
  context: FailureContext,
  nowMs: number,
  base: Pick<FailureFields, "upstream" | "retryAfterMs">
): MinimaxFailure => {
  const said = upstreamMessage === "" ? "" : `: ${upstreamMessage}`
  const fields = (message: string, retryable: boolean, hint?: string): FailureFields => ({
    message,
    retryable,
    ...(hint === undefined ? {} : { hint }),
    ...base
  })
  switch (code) {
    case 1004:
    case 2049:
      return new AuthFailed(fields(`MiniMax did not accept the API key${said}`, false, AUTH_HINT))
    case 1008:
      return new InsufficientBalance(fields(
        `The MiniMax account has no balance left${said}`,
        false,
        "Top up the account's balance, or use an sk-cp- Token Plan key with MiniMax-M2.7."
      ))
    case 2061:
      return new ModelNotInPlan(fields(
        `${context.model} is not in this key's Token Plan${said}`,
        false,
        `${context.model} is not in the Token Plan; use MiniMax-M2.7, or a funded sk-api- key for ${context.model}.`
      ))
    case 2056: {
      if (/\b0\/0 used\b/.test(upstreamMessage)) {
        return new ModelNotInPlan(fields(
          `${context.model} has no quota in this key's Token Plan${said}`,
          false,
          `${context.model} is not in the Token Plan; use MiniMax-M2.7, or a funded sk-api- key for ${context.model}.`
        ))
      }
      const reset = resetDelayMs(upstreamMessage, nowMs)
      return new RateLimited({
        ...fields(
          `The Token Plan's usage limit is reached${said}`,
          false,
          "Wait until the plan's window resets, or use a funded sk-api- key meanwhile."
        ),
        ...(reset === undefined ? {} : { retryAfterMs: reset })
      })
    }
    case 1002:
    case 2045:
    case 1041:
      return new RateLimited(fields(`MiniMax is rate limiting this key${said}`, true, "Send fewer requests at once, or retry shortly."))
    case 1039:
      return new ContextTooLong(fields(
        `The request is longer than ${context.model} accepts${said}`,
        false,
        "Shorten the conversation or lower max_tokens; M2.7 has a 204,800-token context window."
      ))
    case 1026:
    case 1027:
      return new ContentFiltered(fields(
        `MiniMax flagged the ${code === 1026 ? "input" : "output"} as sensitive${said}`,
        false,
        "Rephrase the request; MiniMax's content filter blocked it."
      ))
    case 2013:
      return new InvalidRequest(fields(`MiniMax rejected the request as invalid${said}`, false, invalidRequestHint(upstreamMessage, context)))
    case 1001:
      return new Timeout(fields(`MiniMax timed out${said}`, true, "Retry; if it keeps happening, lower max_tokens."))
    case 1000:
    case 1024:
    case 1033:
      return new UpstreamError(fields(`MiniMax had an internal error${said}`, true, "Retry in a moment."))
  }
  const what = status === undefined ? "MiniMax reported an error" : `MiniMax answered HTTP ${status}`
  if (status === 529) {
    return new Overloaded(fields(`MiniMax is overloaded${said}`, true, "MiniMax's servers are under high load; retry in a moment."))
  }
  if (status === 401 || status === 403) return new AuthFailed(fields(`${what}${said}`, false, AUTH_HINT))
  if (status === 402) {
    return new InsufficientBalance(fields(`${what}${said}`, false, "Top up the account's balance, or use an sk-cp- Token Plan key with MiniMax-M2.7."))
  }
  if (status === 408) return new Timeout(fields(`${what}${said}`, true, "Retry; if it keeps happening, lower max_tokens."))
  if (status === 429) return new RateLimited(fields(`${what}${said}`, true, "Send fewer requests at once, or retry shortly."))
  if (status === 413) return new ContextTooLong(fields(`${what}${said}`, false, "Shorten the conversation."))
  if (status === 404) return new UpstreamError(fields(`${what}${said}`, false, NOT_FOUND_HINT))
  if (status === 503) return new UpstreamUnavailable(fields(`${what}${said}`, true, "MiniMax is unavailable; retry in a moment."))
  if (status !== undefined && status >= 400 && status < 500 && status !== 409) {
    return new InvalidRequest(fields(`${what}${said}`, false, "MiniMax rejected the request; the message says why."))
  }
  return new UpstreamError(fields(`${what}${said}`, true, "Retry in a moment."))
}

export const NOT_FOUND_HINT =
  "The messages endpoint was not found: base_url must end with /anthropic (for example https://api.minimax.io/anthropic); the plugin adds /v1/messages."

/** A non-2xx HTTP answer. */
export const failureFromHttp = (answer: HttpAnswer, context: FailureContext): MinimaxFailure => {
  const parsed = parseErrorBody(answer.body)
  const requestId = requestIdOf(answer.headers, parsed.error.requestId)
  const retryAfterMs = retryAfterMsOf(answer.headers, answer.nowMs)
  if (!parsed.json) {
    const snippet = answer.body.trim().slice(0, 120)
    const upstream = compactUpstream({ httpStatus: answer.status, message: snippet === "" ? undefined : snippet, requestId })
    if (answer.status === 404) {
      return new UpstreamError({ message: `MiniMax answered HTTP 404 with a non-JSON page`, retryable: false, hint: NOT_FOUND_HINT, upstream })
    }
    return classify(undefined, answer.status, "", context, answer.nowMs, {
      upstream,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs })
    })
  }
  const message = parsed.error.message ?? ""
  const code = minimaxCodeOf(message)
  return classify(code, answer.status, message, context, answer.nowMs, {
    upstream: compactUpstream({ httpStatus: answer.status, code, type: parsed.error.type, message: message || undefined, requestId }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs })
  })
}

/** An SSE `event: error` in the middle of a stream. */
export const failureFromStreamError = (error: MinimaxErrorBody, context: FailureContext, nowMs: number): MinimaxFailure => {
  const message = error.message ?? ""
  const code = minimaxCodeOf(message)
  const upstream = compactUpstream({ code, type: error.type, message: message || undefined, requestId: error.requestId })
  if (code === undefined && error.type === "overloaded_error") {
    return classify(undefined, 529, message, context, nowMs, { upstream })
  }
  return classify(code, undefined, message, context, nowMs, { upstream })
}

/** Reads a 401 message for the header it asks for, when it names one. */
export const authHeaderNamedBy = (failure: MinimaxFailure): "bearer" | "x-api-key" | undefined => {
  if (failure._tag !== "AuthFailed") return undefined
  const message = failure.upstream?.message ?? ""
  if (/'?X-Api-Key'?\s+field/i.test(message)) return "x-api-key"
  if (/'?Authorization'?\s+field|Bearer/i.test(message)) return "bearer"
  return undefined
}
