/**
 * Why a turn's stream cannot go on. Data only: ../turn/failureOfFault.ts decides what each one
 * fails the turn with, and whether it is worth another try.
 */
export type StreamFault =
  /** The stream ended before the turn finished (a cut connection, a body that stopped early). */
  | { readonly _tag: "Truncated"; readonly message: string }
  /** The stream breaks the protocol: not JSON, a wrong shape, events out of order. */
  | { readonly _tag: "Malformed"; readonly message: string }
  /** One SSE event, or the whole reply, grew past its bound (characters of stream text). */
  | { readonly _tag: "TooLarge"; readonly what: "event" | "reply"; readonly limit: number }
  /** MiniMax sent `event: error`. */
  | {
    readonly _tag: "ErrorEvent"
    readonly type: string | undefined
    readonly message: string | undefined
    readonly requestId: string | undefined
  }
  /** No complete SSE line within the idle limit (time paused for the host excluded). */
  | { readonly _tag: "Silent"; readonly idleMs: number }
  /** The turn finished without any content block (an "empty reply"), on an attempt that may be tried again. */
  | { readonly _tag: "Empty" }
