/**
 * Every MinimaxFailure the plugin builds, built here, by pure functions: what MiniMax answered
 * (§5 of minimax-upstream.md: MiniMax's own code decides first, then the HTTP status, then the
 * error `type`), what the stream did wrong, and what the network did. Upstream text is scrubbed
 * of the key before it is read (./upstreamAnswer.ts), so no failure can carry it.
 */
import type { UpstreamDetails } from "@plexum/sdk"
import { localTime } from "../localTime.ts"
import type { AuthHeader } from "../minimax/apiKey.ts"
import type { Region } from "../minimax/regions.ts"
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
  UpstreamProtocol,
  UpstreamUnavailable
} from "./MinimaxFailure.ts"
import { NETWORK_FAULT_TEXT, type NetworkFault } from "./networkFault.ts"
import { type Scrubber, scrubOptional } from "./scrubSecret.ts"
import {
  type Headers,
  minimaxCodeOf,
  parseBody,
  redirectTargetOf,
  requestIdOf,
  resetDelayMs,
  retryAfterMsOf,
  type UpstreamErrorBody
} from "./upstreamAnswer.ts"

/** What a failure's message and hint may name about the turn, and how upstream text is scrubbed. */
export interface FailureContext {
  readonly model: string
  readonly region: Region
  readonly authHeader: AuthHeader
  readonly scrub: Scrubber
}

/** A non-2xx answer, as read off the wire (the body at most MAX_ERROR_BODY_BYTES). */
export interface HttpAnswer {
  readonly url: string
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** For `retry-after` dates and plan reset times. */
  readonly nowMs: number
}

export const AUTH_HINT =
  "Check the key in api_key (is it right and unexpired?), its region (`region`: global for api.minimax.io keys, cn for api.minimaxi.com keys), and `auth_header` (bearer, x-api-key or both); `--probe` tells these apart."

export const NOT_FOUND_HINT =
  "The messages endpoint was not found: base_url must end with /anthropic (for example https://api.minimax.io/anthropic); the plugin adds /v1/messages."

const TOP_UP_HINT = "Top up the account's balance, or use an sk-cp- Token Plan key with MiniMax-M2.7."
const RETRY_HINT = "Retry in a moment."

const compactUpstream = (upstream: { readonly [K in keyof UpstreamDetails]?: UpstreamDetails[K] | undefined }): UpstreamDetails =>
  Object.fromEntries(Object.entries(upstream).filter(([, v]) => v !== undefined)) as UpstreamDetails

const COMPACT_HINT = "Shorten or compact the conversation (summarise older turns), or lower max_tokens."

const invalidRequestHint = (message: string, context: FailureContext): string => {
  if (/invalid tool type/i.test(message)) {
    return "MiniMax supports only plain tools (name, description, input schema); server tools such as web_search are not available on this endpoint."
  }
  if (/temperature|top_p/i.test(message)) return "MiniMax M2.x takes temperature and top_p in (0, 1]; 0 is rejected."
  if (/image|document|content is empty/i.test(message)) return `${context.model} takes text only: remove image and document blocks.`
  if (/tool.*(id|result)/i.test(message)) {
    return "Every tool_result must answer a tool_use of the previous assistant message, sent back unchanged."
  }
  return "MiniMax rejected a parameter of the request; the message says which."
}

type Build = (message: string, retryable: boolean, hint?: string) => FailureFields

/** The failure for MiniMax's code, else the HTTP status, else the error type; `said` is MiniMax's message. */
const fromAnswer = (
  code: number | undefined,
  status: number | undefined,
  type: string | undefined,
  said: string,
  context: FailureContext,
  nowMs: number,
  build: Build
): MinimaxFailure => {
  const quoted = said === "" ? "" : `: ${said}`
  const notInPlan = `${context.model} is not in the Token Plan; use MiniMax-M2.7, or a funded sk-api- key for ${context.model}.`
  switch (code) {
    case 1004:
    case 2049:
      return new AuthFailed(build(`MiniMax did not accept the API key${quoted}`, false, AUTH_HINT))
    case 1008:
      return new InsufficientBalance(build(`The MiniMax account has no balance left${quoted}`, false, TOP_UP_HINT))
    case 2061:
      return new ModelNotInPlan(build(`${context.model} is not in this key's Token Plan${quoted}`, false, notInPlan))
    case 2057:
      return new AuthFailed(build(`This key is not a Token Plan key${quoted}`, false, AUTH_HINT))
    case 2056: {
      if (/\b0\/0 used\b/.test(said)) {
        return new ModelNotInPlan(build(`${context.model} has no quota in this key's Token Plan${quoted}`, false, notInPlan))
      }
      const reset = resetDelayMs(said, nowMs)
      const resetsAt = reset === undefined ? "" : ` It resets at ${localTime(nowMs + reset)}.`
      return new RateLimited({
        ...build(
          `The Token Plan's usage limit is reached${quoted}`,
          false,
          `Wait until the plan's window resets, or use a funded sk-api- key meanwhile.${resetsAt}`
        ),
        ...(reset === undefined ? {} : { retryAfterMs: reset })
      })
    }
    case 1002:
    case 2045:
    case 1041:
      return new RateLimited(build(`MiniMax is rate limiting this key${quoted}`, true, "Send fewer requests at once, or retry shortly."))
    case 1039:
      return new ContextTooLong(build(`The request is longer than ${context.model} accepts${quoted}`, false, COMPACT_HINT))
    case 1026:
    case 1027:
      return new ContentFiltered(build(
        `MiniMax flagged the ${code === 1026 ? "input" : "output"} as sensitive${quoted}`,
        false,
        "Rephrase the request; MiniMax's content filter blocked it."
      ))
    case 2013:
      // Context overflow is 2013 too (§8): a host that compacts on ContextTooLong must see it as that.
      if (/context (window|length)[^.]*exceed|exceeds? (the )?context/i.test(said)) {
        return new ContextTooLong(build(`The conversation is longer than ${context.model}'s context window${quoted}`, false, COMPACT_HINT))
      }
      return new InvalidRequest(build(`MiniMax rejected the request as invalid${quoted}`, false, invalidRequestHint(said, context)))
    case 1001:
      return new Timeout(build(`MiniMax timed out${quoted}`, true, "Retry; if it keeps happening, lower max_tokens."))
    case 1000:
    case 1024:
    case 1033:
      return new UpstreamError(build(`MiniMax had an internal error${quoted}`, true, RETRY_HINT))
  }
  const what = status === undefined ? "MiniMax reported an error" : `MiniMax answered HTTP ${status}`
  switch (status) {
    case 529:
      return new Overloaded(build(`MiniMax is overloaded${quoted}`, true, "MiniMax's servers are under high load; retry in a moment."))
    case 401:
    case 403:
      return new AuthFailed(build(`${what}${quoted}`, false, AUTH_HINT))
    case 402:
      return new InsufficientBalance(build(`${what}${quoted}`, false, TOP_UP_HINT))
    case 408:
      return new Timeout(build(`${what}${quoted}`, true, "Retry; if it keeps happening, lower max_tokens."))
    case 429:
      return new RateLimited(build(`${what}${quoted}`, true, "Send fewer requests at once, or retry shortly."))
    case 413:
      return new ContextTooLong(build(`${what}${quoted}`, false, "Shorten the conversation."))
    case 404:
      return new UpstreamError(build(`${what}${quoted}`, false, NOT_FOUND_HINT))
    case 503:
      return new UpstreamUnavailable(build(`${what}${quoted}`, true, "MiniMax is unavailable; retry in a moment."))
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 409) {
    return new InvalidRequest(build(`${what}${quoted}`, false, "MiniMax rejected the request; the message says why."))
  }
  if (status === undefined || (status >= 200 && status < 300)) {
    switch (type) {
      case "overloaded_error":
        return fromAnswer(undefined, 529, undefined, said, context, nowMs, build)
      case "authentication_error":
      case "authorized_error":
      case "permission_error":
        return fromAnswer(undefined, 401, undefined, said, context, nowMs, build)
      case "invalid_request_error":
      case "bad_request_error":
        return fromAnswer(undefined, 400, undefined, said, context, nowMs, build)
      case "rate_limit_error":
        return fromAnswer(undefined, 429, undefined, said, context, nowMs, build)
      case "insufficient_balance_error":
        return fromAnswer(undefined, 402, undefined, said, context, nowMs, build)
      case "not_found_error":
        return fromAnswer(undefined, 404, undefined, said, context, nowMs, build)
    }
  }
  return new UpstreamError(build(`${what}${quoted}`, true, RETRY_HINT))
}

const builder = (upstream: UpstreamDetails, retryAfterMs: number | undefined): Build => (message, retryable, hint) => ({
  message,
  retryable,
  ...(hint === undefined ? {} : { hint }),
  upstream,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs })
})

/** The failure for a MiniMax error body: its code (in the message, else `base_resp`), then the status, then its type. */
const fromErrorBody = (
  error: UpstreamErrorBody,
  context: FailureContext,
  nowMs: number,
  status: number | undefined,
  retryAfterMs: number | undefined
): MinimaxFailure => {
  const said = error.message ?? ""
  const code = minimaxCodeOf(said) ?? error.code
  const upstream = compactUpstream({ httpStatus: status, code, type: error.type, message: said || undefined, requestId: error.requestId })
  return fromAnswer(code, status, error.type, said, context, nowMs, builder(upstream, retryAfterMs))
}

/** A MiniMax error carried by an SSE `error` event, a 200 JSON body or a `base_resp`. */
export const failureFromErrorBody = (error: UpstreamErrorBody, context: FailureContext, nowMs: number, status?: number): MinimaxFailure =>
  fromErrorBody(error, context, nowMs, status, undefined)

/** A non-2xx HTTP answer. */
export const failureFromHttp = (answer: HttpAnswer, context: FailureContext): MinimaxFailure => {
  const retryAfterMs = retryAfterMsOf(answer.headers, answer.nowMs)
  const parsed = parseBody(answer.body, context.scrub)
  if (answer.status >= 300 && answer.status < 400) {
    const target = redirectTargetOf(answer.headers, answer.url)
    return new UpstreamError({
      message: `base_url redirects (HTTP ${answer.status}) to ${target}; the plugin never follows redirects, so the key cannot reach another origin`,
      retryable: false,
      hint: `Set base_url to the final URL (on ${target}), ending with /anthropic.`,
      upstream: compactUpstream({ httpStatus: answer.status, requestId: requestIdOf(answer.headers, context.scrub) })
    })
  }
  if (parsed._tag === "Text") {
    const upstream = compactUpstream({ httpStatus: answer.status, message: parsed.snippet, requestId: requestIdOf(answer.headers, context.scrub) })
    if (answer.status === 404) {
      return new UpstreamError({ message: "MiniMax answered HTTP 404 with a non-JSON page", retryable: false, hint: NOT_FOUND_HINT, upstream })
    }
    return fromAnswer(undefined, answer.status, undefined, "", context, answer.nowMs, builder(upstream, retryAfterMs))
  }
  const error = { ...parsed.error, requestId: requestIdOf(answer.headers, context.scrub, parsed.error.requestId) }
  return fromErrorBody(error, context, answer.nowMs, answer.status, retryAfterMs)
}

/** No response headers in time. */
export const noHeadersWithin = (ms: number): MinimaxFailure =>
  new Timeout({
    message: `MiniMax sent no response headers within ${ms} ms`,
    retryable: true,
    hint: "Raise request_timeout_ms in config.json if this keeps happening."
  })

/** A JSON answer whose body stopped arriving. */
export const bodyStalled = (ms: number): MinimaxFailure =>
  new Timeout({
    message: `MiniMax's answer stopped arriving: its body was not complete within ${ms} ms`,
    retryable: true,
    hint: "Retry; a proxy between this machine and MiniMax may be holding the answer."
  })

/** The request never got an HTTP answer: refused, DNS, TLS, reset or timeout, each said as what it is. */
export const unreachable = (baseUrl: string, fault: NetworkFault, scrub: Scrubber): MinimaxFailure => {
  const text = NETWORK_FAULT_TEXT[fault.kind]
  return new UpstreamUnavailable({
    message: `${text.says(originOf(baseUrl))}: ${scrub(fault.detail)}`,
    // A certificate will not change in the next second; the rest may pass.
    retryable: fault.kind !== "tls",
    hint: text.hint
  })
}

const originOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** The connection broke while the response was being read. */
export const connectionBroke = (why: string): MinimaxFailure =>
  new UpstreamUnavailable({
    message: `The connection to MiniMax broke during the response: ${why}`,
    retryable: true,
    hint: "Retry the turn; the events already sent stay valid."
  })

/** The plugin could not build or send the request: a local problem, never the network's. */
export const notSent = (why: string): MinimaxFailure =>
  new UpstreamError({
    message: `The request to MiniMax could not be sent: ${why}`,
    retryable: false,
    hint: "This is a problem on this machine, not MiniMax's or the network's; check api_key and base_url in config.json."
  })
