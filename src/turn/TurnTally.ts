/**
 * What one turn did, for the line an operator reads when it finishes: the model asked and the
 * model that answered, tokens, time to first token, duration, attempts, and how it ended. Filled
 * from the events as they pass (no copy, no allocation per event) and read once at the end.
 */
import type { StopReason, TurnEvent, TurnRequest, Usage } from "@plexum/sdk"
import type { ModelPrice } from "../minimax/catalog.ts"
import { costOf } from "../minimax/pricing.ts"
import { signatureOf } from "../minimax/thinkingSignature.ts"
import type { LedgerRow } from "../services/Ledger.ts"
import type { ChainKey } from "../services/PluginConfig.ts"

export interface TurnTally {
  readonly turnId: string
  readonly model: string
  /** performance.now() at the start, for durations. */
  readonly startedAt: number
  /** The wall clock at the start (epoch ms), for the ledger. */
  readonly startedAtEpoch: number
  /** Requests sent, over every key. */
  attempts: number
  /** Keys tried (more than one: the turn failed over). */
  keys: number
  answeredBy?: string
  firstTokenAt?: number
  usage?: Usage
  stopReason?: StopReason
  /** The key that served the turn, or the last one tried. */
  key?: ChainKey
  /** The model's pay-as-you-go price (unknown: undefined). */
  price?: ModelPrice | undefined
  /** The kinds of repair made to the request. */
  repairs?: ReadonlyArray<string>
  /** The conversation's first message, hashed only when the ledger writes the turn (the turns of one conversation share it). */
  firstMessage?: TurnRequest["messages"][number] | undefined
  /** The request carried a `cache_control` breakpoint. */
  cacheControlSent?: boolean
}

/** 16 hex characters of the SHA-256 of the first message: enough to tell conversations apart, nothing of the text. */
export const conversationOf = (first: TurnRequest["messages"][number] | undefined): string | undefined =>
  first === undefined ? undefined : signatureOf(JSON.stringify(first.content)).slice(0, 16)

export const sendsCacheControl = (request: TurnRequest): boolean =>
  (request.tools ?? []).some((tool) => tool.cacheControl !== undefined) ||
  (typeof request.system === "object" && request.system.some((block) => block.cacheControl !== undefined)) ||
  request.messages.some((message) => typeof message.content !== "string" && message.content.some((block) => "cacheControl" in block && block.cacheControl !== undefined))

/** What the turn's usage costs pay-as-you-go, whoever pays; undefined when the price is unknown. */
export const paygEquivalentOf = (tally: TurnTally): number | undefined => tally.usage === undefined ? undefined : costOf(tally.price, tally.usage)

export const startTally = (turnId: string, model: string, startedAt: number, startedAtEpoch: number): TurnTally => ({
  turnId,
  model,
  startedAt,
  startedAtEpoch,
  attempts: 0,
  keys: 0
})

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

/** Cache read ÷ all input tokens, to two decimals; undefined with no input. */
export const cacheHitRatio = (usage: Usage | undefined): number | undefined => {
  if (usage === undefined) return undefined
  const all = usage.inputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheCreationInputTokens ?? 0)
  return all === 0 ? undefined : Math.round(((usage.cacheReadInputTokens ?? 0) / all) * 100) / 100
}

/** How the turn ended: its stop reason, a failure's tag, or "Cancelled". */
export type TurnEnding = { readonly stopReason: string } | { readonly failure: string }

/** The finished turn as logfmt keys. */
export const tallySummary = (tally: TurnTally, ending: TurnEnding, endedAt: number): Record<string, string | number> => {
  const cacheHit = cacheHitRatio(tally.usage)
  return {
    turn: tally.turnId,
    model: tally.model,
    ...(tally.answeredBy === undefined ? {} : { answered_by: tally.answeredBy }),
    ...("stopReason" in ending ? { stop: ending.stopReason } : { failure: ending.failure }),
    ...(tally.key === undefined ? {} : { key: tally.key.label, billing: tally.key.billing }),
    tokens_in: tally.usage?.inputTokens ?? 0,
    tokens_out: tally.usage?.outputTokens ?? 0,
    cache_read: tally.usage?.cacheReadInputTokens ?? 0,
    cache_write: tally.usage?.cacheCreationInputTokens ?? 0,
    ...(tally.usage?.costUsd === undefined ? {} : { cost_usd: tally.usage.costUsd }),
    ...(cacheHit === undefined ? {} : { cache_hit: cacheHit }),
    duration_ms: Math.round(endedAt - tally.startedAt),
    ...(tally.firstTokenAt === undefined ? {} : { ttft_ms: Math.round(tally.firstTokenAt - tally.startedAt) }),
    attempts: tally.attempts,
    ...(tally.keys > 1 ? { failovers: tally.keys - 1 } : {})
  }
}

/** The ledger's row for the finished turn: counts, times, money and names, never any text of it. */
export const ledgerRowOf = (tally: TurnTally, ending: TurnEnding, endedAt: number): LedgerRow => {
  const usage = tally.usage
  return {
    startedAt: tally.startedAtEpoch,
    endedAt: Math.round(tally.startedAtEpoch + (endedAt - tally.startedAt)),
    turnId: tally.turnId,
    modelAsked: tally.model,
    modelAnswered: tally.answeredBy,
    keyLabel: tally.key?.label,
    keyKind: tally.key?.kind,
    region: tally.key?.region,
    billing: tally.key?.billing,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadInputTokens ?? 0,
    cacheWriteTokens: usage?.cacheCreationInputTokens ?? 0,
    // A turn that failed mid-stream, or was cancelled, counts with the usage known when it ended.
    costUsd: tally.key?.billing === "payg" ? usage?.costUsd ?? paygEquivalentOf(tally) : undefined,
    paygEquivalentUsd: paygEquivalentOf(tally),
    ttftMs: tally.firstTokenAt === undefined ? undefined : Math.round(tally.firstTokenAt - tally.startedAt),
    durationMs: Math.round(endedAt - tally.startedAt),
    ending: "stopReason" in ending ? ending.stopReason : ending.failure,
    failed: !("stopReason" in ending),
    attempts: tally.attempts,
    failovers: Math.max(0, tally.keys - 1),
    repairs: (tally.repairs ?? []).join(","),
    conversation: conversationOf(tally.firstMessage),
    cacheControlSent: tally.cacheControlSent ?? false
  }
}
