/**
 * The benchmark's turn: about 20,000 events, 10k thinking deltas and 10k text deltas of
 * 4 characters (2.5 MB of SSE), shared by `npm run bench` and `npm run profile`.
 */
import { encodeSse, thinkingThenText } from "../fake/transcripts.ts"

export const bigTurn = thinkingThenText({
  model: "MiniMax-M2.7",
  thinking: "Let me reason about this carefully. ".repeat(1112).slice(0, 40_000),
  text: "Here is a long and helpful answer. ".repeat(1143).slice(0, 39_998),
  seed: "bench"
})

/** The fake's reply carrying it, written in 64 KiB reads (the condition of issue 16's a2). */
export const bigTurnReply = { kind: "sse" as const, raw: encodeSse(bigTurn.frames), chunkSize: 65_536 }
