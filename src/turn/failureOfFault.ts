/**
 * What a stream fault ends the turn with. The stream reports faults as data
 * (../stream/StreamFault.ts); the turn decides which failure each becomes, and whether it is
 * worth another try: a stream cut short is, a malformed one is not. Pure.
 */
import type { MinimaxFailure } from "../failures/MinimaxFailure.ts"
import { Timeout, UpstreamProtocol } from "../failures/MinimaxFailure.ts"
import { type FailureContext, failureFromErrorBody } from "../failures/classify.ts"
import { scrubOptional } from "../failures/scrubSecret.ts"
import type { StreamFault } from "../stream/StreamFault.ts"

const STREAM_HINT = "Retry the turn; if it keeps happening, run --probe and report the request id."

export const failureOfFault = (fault: StreamFault, context: FailureContext, nowMs: number): MinimaxFailure => {
  switch (fault._tag) {
    case "ErrorEvent":
      return failureFromErrorBody(
        {
          type: scrubOptional(context.scrub, fault.type),
          message: scrubOptional(context.scrub, fault.message),
          requestId: scrubOptional(context.scrub, fault.requestId)
        },
        context,
        nowMs
      )
    case "Truncated":
      return new UpstreamProtocol({ message: `MiniMax's stream broke off: ${fault.message}`, retryable: true, hint: STREAM_HINT })
    case "Malformed":
      return new UpstreamProtocol({ message: `MiniMax's stream was malformed: ${context.scrub(fault.message)}`, retryable: false, hint: STREAM_HINT })
    case "TooLarge":
      return fault.what === "event"
        ? new UpstreamProtocol({
          message: `MiniMax's stream was malformed: an SSE event is larger than ${fault.limit} characters`,
          retryable: false,
          hint: STREAM_HINT
        })
        : new UpstreamProtocol({
          message: `MiniMax's reply passed ${fault.limit} characters of stream text, far more than any MiniMax model writes; the turn was stopped there`,
          retryable: false,
          hint: "Check that base_url reaches MiniMax itself: a proxy or server in between may be sending this. If it is MiniMax, report the request id."
        })
    case "Empty":
      return new UpstreamProtocol({
        message: "MiniMax finished the turn without any content (an empty reply)",
        retryable: true,
        hint: "Empty replies happen now and then; the turn is tried once more before it ends empty."
      })
    case "Silent":
      return new Timeout({
        message: `MiniMax's stream went silent for ${fault.idleMs} ms`,
        retryable: true,
        hint: "Raise stream_idle_timeout_ms in config.json if long pauses are expected."
      })
    default:
      return absurd(fault)
  }
}

const absurd = (value: never): never => {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`)
}
