/**
 * Folds a turn's events into its TurnResult. The response to `provider/turn` is built
 * only from the events that were sent, so the two can never disagree.
 */
import type { ContentBlock, StopReason, TurnEvent, TurnResult, Usage } from "./Protocol.ts"

/** What a turn's events add up to so far: its final blocks, and how it stopped. */
export interface TurnResultFold {
  readonly content: ReadonlyArray<ContentBlock>
  readonly stop: { readonly stopReason: StopReason; readonly stopSequence?: string; readonly usage: Usage } | undefined
}

/** The fold before any event. */
export const emptyTurnResultFold = (): TurnResultFold => ({ content: [], stop: undefined })

/** Adds a batch of events. The fold owns its arrays, so it appends in place. */
export const foldTurnEvents = (fold: TurnResultFold, events: ReadonlyArray<TurnEvent>): TurnResultFold => {
  let stop = fold.stop
  const content = fold.content as Array<ContentBlock>
  for (const event of events) {
    if (event.type === "block_stop") content.push(event.block)
    else if (event.type === "turn_stop") {
      stop = event.stopSequence === undefined
        ? { stopReason: event.stopReason, usage: event.usage }
        : { stopReason: event.stopReason, stopSequence: event.stopSequence, usage: event.usage }
    }
  }
  return stop === fold.stop ? fold : { content, stop }
}

/** The TurnResult, or `undefined` when the stream ended without `turn_stop`. */
export const turnResultOf = (fold: TurnResultFold, turnId: string): TurnResult | undefined =>
  fold.stop === undefined ? undefined : { turnId, ...fold.stop, content: fold.content }
