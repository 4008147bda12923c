import { assert, describe, it } from "@effect/vitest"
import { buildStopAutomaton, ROOT, scanForStop } from "../../src/stream/stopSequences.ts"

describe("stopSequences", () => {
  it("no sequences, or only empty ones, build no automaton", () => {
    assert.isUndefined(buildStopAutomaton([]))
    assert.isUndefined(buildStopAutomaton(["", ""]))
  })

  it("finds the match that ends first, and on a tie the longest", () => {
    const automaton = buildStopAutomaton(["world", "lo w", "o"])!
    assert.deepStrictEqual(scanForStop(automaton, ROOT, "hello world"), { _tag: "Match", at: 4, sequence: "o" })
    const tie = buildStopAutomaton(["cd", "bcd", "abcd"])!
    assert.deepStrictEqual(scanForStop(tie, ROOT, "xabcdy"), { _tag: "Match", at: 1, sequence: "abcd" })
  })

  it("holds back exactly what could still begin a match, and finds a match cut across texts", () => {
    const automaton = buildStopAutomaton(["STOP"])!
    const first = scanForStop(automaton, ROOT, "go ST")
    assert.deepStrictEqual(first, { _tag: "NoMatch", node: (first as { node: number }).node, held: 2 })
    assert.deepStrictEqual(scanForStop(automaton, (first as { node: number }).node, "OP now"), { _tag: "Match", at: -2, sequence: "STOP" })
    assert.deepStrictEqual(scanForStop(automaton, (first as { node: number }).node, "ay"), { _tag: "NoMatch", node: ROOT, held: 0 })
  })

  it("is linear: a thousand sequences over 200,000 characters scan in one pass", () => {
    const sequences = Array.from({ length: 1000 }, (_, i) => `${"a".repeat(50)}${i}`)
    const automaton = buildStopAutomaton(sequences)!
    const scan = scanForStop(automaton, ROOT, "a".repeat(200_000))
    assert.deepStrictEqual(scan, { _tag: "NoMatch", node: (scan as { node: number }).node, held: 50 })
  })
})
