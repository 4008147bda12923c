/**
 * What one turn did, for the line an operator reads when it finishes: the model asked and the
 * model that answered, tokens, time to first token, duration, attempts, and how it ended. Filled
 * from the events as they pass (no copy, no allocation per event) and read once at the end.
 */
import type { StopReason, TurnEvent, Usage } from "@plexum/sdk"

export interface TurnTally {
  readonly turnId: string
  readonly model: string
  readonly startedAt: number
  /** Requests sent, over every key. */
  attempts: number
  /** Keys tried (more than one: the turn failed over). */
  keys: number
  answeredBy?: string
  firstTokenAt?: number
  usage?: Usage
  stopReason?: StopReason
}

export const startTally = (turnId: string, model: string, startedAt: number): TurnTally => ({ turnId, model, startedAt, attempts: 0, keys: 0 })

/** Notes what `events` say about the turn. */
export const tallyEvents = (tally: TurnTally, events: ReadonlyArray<TurnEvent>, now: () => number): void => {
  for (const event of events) {
    switch (event.type) {
      case "turn_start":
        tally.answeredBy = event.model
        break
      case "text_delta":
      case "thinking_delta":
      case "tool_input_delta":
        tally.firstTokenAt ??= now()
        break
      case "usage":
        tally.usage = event.usage
        break
      case "turn_stop":
        tally.usage = event.usage
        tally.stopReason = event.stopReason
        break
    }
  }
}

/** How the turn ended: its stop reason, a failure's tag, or "Cancelled". */
export type TurnEnding = { readonly stopReason: string } | { readonly failure: string }

/** The finished turn as logfmt keys. */
export const tallySummary = (tally: TurnTally, ending: TurnEnding, endedAt: number): Record<string, string | number> => ({
  turn: tally.turnId,
  model: tally.model,
  ...(tally.answeredBy === undefined ? {} : { answered_by: tally.answeredBy }),
  ...("stopReason" in ending ? { stop: ending.stopReason } : { failure: ending.failure }),
  tokens_in: tally.usage?.inputTokens ?? 0,
  tokens_out: tally.usage?.outputTokens ?? 0,
  cache_read: tally.usage?.cacheReadInputTokens ?? 0,
  cache_write: tally.usage?.cacheCreationInputTokens ?? 0,
  duration_ms: Math.round(endedAt - tally.startedAt),
  ...(tally.firstTokenAt === undefined ? {} : { ttft_ms: Math.round(tally.firstTokenAt - tally.startedAt) }),
  attempts: tally.attempts,
  ...(tally.keys > 1 ? { failovers: tally.keys - 1 } : {})
})
