import { assert, describe, it } from "@effect/vitest"
import { benchExitCode, benchMarkdown, benchTable, failedRows } from "../../bench/report.ts"

const row = (name: string, pass: boolean, target = "≤ 1") => ({ name, value: "2", target, pass })

describe("the bench's verdict", () => {
  it("exits 1 when a row with a target fails, 0 when every such row passes; rows without a target never fail it", () => {
    assert.strictEqual(benchExitCode([row("a", true), row("b", true)]), 0)
    assert.strictEqual(benchExitCode([row("a", true), row("b", false)]), 1)
    assert.strictEqual(benchExitCode([row("info", false, "")]), 0)
    assert.deepStrictEqual(failedRows([row("a", true), row("b", false), row("c", false)]).map((r) => r.name), ["b", "c"])
  })

  it("the table and the markdown say FAIL for the failing row", () => {
    const rows = [row("a", true), row("b", false)]
    assert.match(benchTable(rows), /^b\s+2\s+≤ 1\s+FAIL$/m)
    assert.include(benchMarkdown(rows, ["node: v24"]), "| b | 2 | ≤ 1 | FAIL |")
  })
})
