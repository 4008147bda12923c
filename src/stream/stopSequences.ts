/**
 * Stop-sequence matching on streamed text. MiniMax ignores `stop_sequences`, so the plugin
 * matches them itself: the earliest match wins, and text that could be the start of a match
 * is held back until the next delta decides. Pure.
 */

export interface StopMatch {
  readonly at: number
  readonly sequence: string
}

/** The earliest occurrence of any sequence in `text` (the first listed wins a tie). */
export const findStopSequence = (text: string, sequences: ReadonlyArray<string>): StopMatch | undefined => {
  let best: StopMatch | undefined
  for (const sequence of sequences) {
    const at = text.indexOf(sequence)
    if (at !== -1 && (best === undefined || at < best.at)) best = { at, sequence }
  }
  return best
}

/** How many trailing characters of `text` are a proper prefix of some sequence. */
export const heldBackLength = (text: string, sequences: ReadonlyArray<string>): number => {
  let held = 0
  for (const sequence of sequences) {
    for (let length = Math.min(sequence.length - 1, text.length); length > held; length--) {
      if (text.endsWith(sequence.slice(0, length))) {
        held = length
        break
      }
    }
  }
  return held
}
