/**
 * What a TurnRequest must satisfy before anything is sent upstream, beyond its Schema.
 * Each refusal is an InvalidRequest naming the path and what to do. Pure.
 */
import type { TurnRequest } from "@plexum/sdk"
import { Effect } from "effect"
import { InvalidRequest } from "../failures/MinimaxFailure.ts"

/**
 * The stop sequences a turn may carry, in characters all told. Matching is linear in the text
 * whatever their number (one automaton), but the automaton's size follows this total.
 */
export const MAX_STOP_SEQUENCE_CHARS = 65_536

export const checkRequest = (request: TurnRequest): Effect.Effect<void, InvalidRequest> => {
  const total = (request.stopSequences ?? []).reduce((sum, sequence) => sum + sequence.length, 0)
  if (total > MAX_STOP_SEQUENCE_CHARS) {
    return Effect.fail(new InvalidRequest({
      message: `request.stopSequences holds ${total} characters; the plugin matches at most ${MAX_STOP_SEQUENCE_CHARS}`,
      retryable: false,
      hint: "Send fewer or shorter stop sequences."
    }))
  }
  return Effect.void
}
