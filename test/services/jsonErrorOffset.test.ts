import { assert, describe, it } from "@effect/vitest"
import { jsonErrorOffset } from "../../src/services/jsonErrorOffset.ts"

describe("jsonErrorOffset", () => {
  it("is undefined for JSON, whatever JSON.parse accepts", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\"\\u00e9"], "b": {}}', "[]", ' "s" ', "\uFEFF{}", "0"]) {
      assert.isUndefined(jsonErrorOffset(text), text)
      JSON.parse(text.replace(/^\uFEFF/, ""))
    }
  })

  it("points at the first character that breaks the JSON", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ['{"a": 1,\n "b": }', 15],
      ['{"a": 1', 7],
      ['{"api_key": "sk-cp-xyz" "region": "cn"}', 24],
      ["\n\n  {\"x\": tru}", 10],
      ["{\"a\": 1,}", 8],
      ["{'a': 1}", 1],
      ["{} x", 3],
      ['{"a": "line\nbreak"}', 6]
    ]
    for (const [text, offset] of cases) {
      assert.strictEqual(jsonErrorOffset(text), offset, JSON.stringify(text))
      assert.throws(() => JSON.parse(text))
    }
  })
})
