/**
 * Stop-sequence matching on streamed text. MiniMax ignores `stop_sequences`, so the plugin
 * matches them itself, with one rule whatever the chunking: the match that ends first wins,
 * and on a tie the longest, which is what generation itself would have stopped at.
 *
 * All sequences go into one Aho–Corasick automaton, so matching costs time linear in the text
 * however many sequences there are (a thousand crafted ones once took a minute of CPU per
 * turn). The automaton's state after some text is the longest end of that text that could
 * still begin a match: exactly the text to hold back until the next delta decides. Pure: the
 * automaton is built once per turn and never changed; a scan's state is a number.
 */

export interface StopAutomaton {
  readonly sequences: ReadonlyArray<string>
  /** Child node per character code, per node. */
  readonly children: ReadonlyArray<ReadonlyMap<number, number>>
  /** The node of the longest proper suffix that is also in the trie. */
  readonly fail: Int32Array
  readonly depth: Int32Array
  /** The longest sequence ending at this node (itself or through its suffixes), or -1. */
  readonly longestMatch: Int32Array
}

export const ROOT = 0

/** The automaton for the non-empty `sequences`, or undefined when there are none. */
export const buildStopAutomaton = (sequences: ReadonlyArray<string>): StopAutomaton | undefined => {
  const kept = [...new Set(sequences.filter((s) => s !== ""))]
  if (kept.length === 0) return undefined
  const children: Array<Map<number, number>> = [new Map()]
  const depthList = [0]
  const terminal: Array<number> = [-1]
  kept.forEach((sequence, which) => {
    let node = ROOT
    for (let i = 0; i < sequence.length; i++) {
      const code = sequence.charCodeAt(i)
      let next = children[node]!.get(code)
      if (next === undefined) {
        next = children.length
        children.push(new Map())
        depthList.push(depthList[node]! + 1)
        terminal.push(-1)
        children[node]!.set(code, next)
      }
      node = next
    }
    terminal[node] = which
  })
  const size = children.length
  const fail = new Int32Array(size)
  const longestMatch = new Int32Array(size).fill(-1)
  const queue: Array<number> = []
  for (const child of children[ROOT]!.values()) {
    fail[child] = ROOT
    longestMatch[child] = terminal[child]!
    queue.push(child)
  }
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!
    for (const [code, child] of children[node]!) {
      let link = fail[node]!
      while (link !== ROOT && !children[link]!.has(code)) link = fail[link]!
      const target = children[link]!.get(code)
      fail[child] = target !== undefined && target !== child ? target : ROOT
      longestMatch[child] = terminal[child]! >= 0 ? terminal[child]! : longestMatch[fail[child]!]!
      queue.push(child)
    }
  }
  return { sequences: kept, children, fail, depth: Int32Array.from(depthList), longestMatch }
}

export type StopScan =
  /** No match: `node` is the new state; the last `held` characters of the text must wait. */
  | { readonly _tag: "NoMatch"; readonly node: number; readonly held: number }
  /** The first match: the text before `at` stands, `sequence` was found. */
  | { readonly _tag: "Match"; readonly at: number; readonly sequence: string }

/**
 * Scans `text`, which follows what led to `node`. `at` in a Match counts in `text`, and may be
 * negative when the match began in text held back before it.
 */
export const scanForStop = (automaton: StopAutomaton, node: number, text: string): StopScan => {
  const { children, fail, depth, longestMatch, sequences } = automaton
  let state = node
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    let next = children[state]!.get(code)
    while (next === undefined && state !== ROOT) {
      state = fail[state]!
      next = children[state]!.get(code)
    }
    state = next ?? ROOT
    const found = longestMatch[state]!
    if (found >= 0) {
      const sequence = sequences[found]!
      return { _tag: "Match", at: i + 1 - sequence.length, sequence }
    }
  }
  return { _tag: "NoMatch", node: state, held: depth[state]! }
}
