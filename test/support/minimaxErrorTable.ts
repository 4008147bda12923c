/**
 * The rows of minimax-upstream.md §5, one per MiniMax code (and per HTTP status it was seen
 * over): [code, HTTP status, message, the failure tag it must become, retryable]. Shared by the
 * plain-value test of the classifier and the test through the mocked HTTP client.
 */
import type { MinimaxFailure } from "../../src/failures/MinimaxFailure.ts"

export const MINIMAX_ERROR_TABLE: ReadonlyArray<readonly [code: number | undefined, status: number, message: string, tag: MinimaxFailure["_tag"], retryable: boolean]> = [
  [1004, 401, "login fail: Please carry the API secret key in the 'Authorization' field (1004)", "AuthFailed", false],
  [2049, 401, "invalid api key (2049)", "AuthFailed", false],
  [1008, 500, "insufficient balance (1008)", "InsufficientBalance", false],
  [1008, 402, "insufficient balance (1008)", "InsufficientBalance", false],
  [2061, 500, "your current token plan not support model, MiniMax-M2.7-highspeed (2061)", "ModelNotInPlan", false],
  [2056, 429, "usage limit exceeded (0/0 used), resets at 2026-05-15T15:00:00Z (2056)", "ModelNotInPlan", false],
  [2056, 429, "usage limit exceeded (1500/1500 used), resets at 2026-05-15T15:00:00Z (2056)", "RateLimited", false],
  [1002, 429, "rate limit exceeded (1002)", "RateLimited", true],
  [2045, 429, "rate growth limit (2045)", "RateLimited", true],
  [1041, 429, "conn limit (1041)", "RateLimited", true],
  [undefined, 529, "The server cluster is under high load", "Overloaded", true],
  [1039, 400, "token limit exceeded (1039)", "ContextTooLong", false],
  [1026, 400, "input new_sensitive (1026)", "ContentFiltered", false],
  [1027, 400, "output new_sensitive (1027)", "ContentFiltered", false],
  [2013, 400, "invalid params, temperature must be in (0, 1] (2013)", "InvalidRequest", false],
  [1001, 504, "request timeout (1001)", "Timeout", true],
  [1001, 408, "request timeout (1001)", "Timeout", true],
  [1000, 500, "unknown error (1000)", "UpstreamError", true],
  [1024, 500, "internal error (1024)", "UpstreamError", true],
  [1033, 500, "system error (1033)", "UpstreamError", true]
]
