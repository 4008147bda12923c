/**
 * When a failed turn is tried again, and after how long. Pure.
 *
 * The rule (protocol §5): only while no `turn/event` of the turn has been sent, only when the
 * failure is retryable, at most `max_retries` times. It covers the whole attempt, the stream
 * included: an `overloaded_error` as the stream's first event, or a connection cut right
 * after the headers, is retried like a 529.
 */

/** The first delay, doubled per attempt up to MAX_BACKOFF_MS, with ±25 % jitter. */
export const FIRST_BACKOFF_MS = 500
export const MAX_BACKOFF_MS = 8_000

export interface RetryDecisionInput {
  readonly failure: { readonly retryable: boolean; readonly retryAfterMs?: number | undefined }
  /** Retries made so far in this turn. */
  readonly retries: number
  readonly maxRetries: number
  /** Some event of the turn already reached the host. */
  readonly eventsSent: boolean
}

export const shouldRetry = ({ eventsSent, failure, maxRetries, retries }: RetryDecisionInput): boolean =>
  !eventsSent && failure.retryable && retries < maxRetries

/**
 * The wait before retry number `retries + 1`: exponential backoff with jitter (`random` in
 * [0, 1)), and at least what `retry-after` asked (already capped where it was read).
 */
export const retryDelayMs = (retries: number, retryAfterMs: number | undefined, random: number): number => {
  const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** retries, MAX_BACKOFF_MS) * (0.75 + random * 0.5)
  return Math.round(Math.max(backoff, retryAfterMs ?? 0))
}
