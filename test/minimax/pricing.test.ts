/**
 * The price table against minimax-upstream.md §8, with costs worked out by hand (USD per
 * million tokens: M3 0.30 / 1.20 / 0.06 up to 512K input, 0.60 / 2.40 / 0.12 above, no cache
 * write; M2.x 0.30 / 1.20 / 0.06 / 0.375; highspeed 0.60 / 2.40 / 0.06 / 0.375).
 */
import { assert, describe, it } from "@effect/vitest"
import { BUILTIN_MODELS, findModel, mergeCatalog } from "../../src/minimax/catalog.ts"
import { costOf } from "../../src/minimax/pricing.ts"

const priceOf = (id: string) => findModel(BUILTIN_MODELS, id)?.price

describe("prices", () => {
  it("the table holds §8's numbers for every model", () => {
    assert.deepStrictEqual(priceOf("MiniMax-M3"), { input: 0.30, output: 1.20, cacheRead: 0.06, longContext: { above: 512_000, input: 0.60, output: 2.40, cacheRead: 0.12 } })
    assert.deepStrictEqual(priceOf("MiniMax-M3[1m]"), priceOf("MiniMax-M3"))
    for (const id of ["MiniMax-M2.7", "MiniMax-M2.5", "MiniMax-M2.1", "MiniMax-M2"]) assert.deepStrictEqual(priceOf(id), { input: 0.30, output: 1.20, cacheRead: 0.06, cacheWrite: 0.375 }, id)
    for (const id of ["MiniMax-M2.7-highspeed", "MiniMax-M2.5-highspeed", "MiniMax-M2.1-highspeed"]) {
      assert.deepStrictEqual(priceOf(id), { input: 0.60, output: 2.40, cacheRead: 0.06, cacheWrite: 0.375 }, id)
    }
    assert.isUndefined(priceOf("MiniMax-M3.1-Flash-Preview"), "no pay-as-you-go price published")
  })

  it("M2.7: each token kind at its own price, cache writes at 0.375", () => {
    // 1000 × 0.30 + 500 × 1.20 + 2000 × 0.06 + 400 × 0.375 = 300 + 600 + 120 + 150 = 1170 per million
    assert.strictEqual(costOf(priceOf("MiniMax-M2.7"), { inputTokens: 1000, outputTokens: 500, cacheReadInputTokens: 2000, cacheCreationInputTokens: 400 }), 0.00117)
    // highspeed: 1000 × 0.60 + 500 × 2.40 = 600 + 1200 = 1800 per million
    assert.strictEqual(costOf(priceOf("MiniMax-M2.7-highspeed"), { inputTokens: 1000, outputTokens: 500 }), 0.0018)
  })

  it("M3 at the lower rate up to 512,000 prompt tokens, no cache-write charge", () => {
    // 500,000 × 0.30 + 10,000 × 1.20 + 12,000 × 0.06 = 150,000 + 12,000 + 720 = 162,720 per million; writes free
    assert.strictEqual(costOf(priceOf("MiniMax-M3"), { inputTokens: 500_000, outputTokens: 10_000, cacheReadInputTokens: 12_000, cacheCreationInputTokens: 0 }), 0.16272)
    // writes are free but count in the prompt: 100 + 1,000,000 > 512,000, so 100 × 0.60 = 60 per million
    assert.strictEqual(costOf(priceOf("MiniMax-M3"), { inputTokens: 100, outputTokens: 0, cacheCreationInputTokens: 1_000_000 }), 0.00006)
  })

  it("M3 above 512,000 prompt tokens (input + cache read + cache write): the whole request at the higher rate", () => {
    // prompt 500,000 + 12,001 = 512,001 > 512,000: 500,000 × 0.60 + 10,000 × 2.40 + 12,001 × 0.12 = 300,000 + 24,000 + 1,440.12 per million
    assert.strictEqual(costOf(priceOf("MiniMax-M3"), { inputTokens: 500_000, outputTokens: 10_000, cacheReadInputTokens: 12_001 }), 0.32544012)
    // exactly 512,000 stays at the lower rate: 512,000 × 0.30 = 153,600 per million
    assert.strictEqual(costOf(priceOf("MiniMax-M3"), { inputTokens: 512_000, outputTokens: 0 }), 0.1536)
  })

  it("an unknown price is an unknown cost, never zero; config's price replaces the catalog's", () => {
    assert.isUndefined(costOf(undefined, { inputTokens: 10, outputTokens: 10 }))
    const catalog = mergeCatalog([{ descriptor: findModel(BUILTIN_MODELS, "MiniMax-M3.1-Flash-Preview")!.descriptor, price: { input: 1, output: 2, cacheRead: 0.1 } }])
    // 1000 × 1 + 1000 × 2 = 3000 per million
    assert.strictEqual(costOf(findModel(catalog, "MiniMax-M3.1-Flash-Preview")!.price, { inputTokens: 1000, outputTokens: 1000 }), 0.003)
    assert.strictEqual(findModel(catalog, "MiniMax-M3.1-Flash-Preview")!.family, "m3.1", "the family stays the catalog's")
  })
})
