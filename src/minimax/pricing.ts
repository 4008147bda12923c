/**
 * What a turn costs at MiniMax's pay-as-you-go prices (minimax-upstream.md §8): input, cache
 * read, cache write and output tokens, each at its own price; a request whose prompt (input +
 * cache read + cache write) is above the model's long-context bound is billed whole at the
 * higher prices, per request. Pure. An unknown price gives an unknown cost, never zero.
 */
import type { Usage } from "@plexum/sdk"
import type { ModelPrice } from "./catalog.ts"

/** US dollars, to a millionth of a cent: what float sums would otherwise print as 0.00061500000001. */
const dollars = (value: number): number => Math.round(value * 1e8) / 1e8

export const costOf = (price: ModelPrice | undefined, usage: Usage): number | undefined => {
  if (price === undefined) return undefined
  const cacheRead = usage.cacheReadInputTokens ?? 0
  const cacheWrite = usage.cacheCreationInputTokens ?? 0
  const prompt = usage.inputTokens + cacheRead + cacheWrite
  const rates = price.longContext !== undefined && prompt > price.longContext.above ? price.longContext : price
  return dollars((usage.inputTokens * rates.input + usage.outputTokens * rates.output + cacheRead * rates.cacheRead + cacheWrite * (price.cacheWrite ?? 0)) / 1e6)
}
