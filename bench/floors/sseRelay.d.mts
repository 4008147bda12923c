import type { TurnEvent, TurnResult } from "@plexum/sdk"

/** A relay for one response: `feed(text)` gives the events of that text; `result()` the turn's blocks, stop reason and usage. */
export declare const makeSseRelay: () => {
  readonly feed: (text: string) => Array<TurnEvent>
  readonly result: () => Omit<TurnResult, "turnId">
}
