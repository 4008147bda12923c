/**
 * The models the plugin serves, as data (minimax-upstream.md §7), and how each is sent. A model
 * belongs to a family, and the family's request policy says how thinking is sent, whether
 * images are accepted, and which temperature and top_p MiniMax takes. `models` in config.json
 * is merged over this list by `id`; an entry for an id the catalog does not know may name its
 * family (`"family": "m3.1"`, `"m3"` or `"m2"`), else it gets the M2 policy. Prices are data too,
 * which config can override; an unknown price stays unknown.
 */
import type { ModelDescriptor } from "@plexum/sdk"
import { Schema } from "effect"

/** The model families, each with its own request policy. */
export const Family = Schema.Literals(["m3.1", "m3", "m2"])
export type Family = typeof Family.Type

/** M3.1's reasoning effort (minimax-upstream.md §8): about 10× the reasoning tokens from `low` to `max`. */
export const Effort = Schema.Literals(["low", "medium", "high", "xhigh", "max"])
export type Effort = typeof Effort.Type

/** A closed or half-open range of accepted values; an excluded bound is approached by `step`. */
export interface AcceptedRange {
  readonly min: number
  readonly minExcluded: boolean
  readonly max: number
  readonly step: number
}

export interface RequestPolicy {
  readonly family: Family
  /**
   * How thinking is sent. "always-on": M2.x thinks whatever the request says, so the field is
   * passed as it came. "off-unless-asked": M3 thinks only when sent an "on" value
   * (`adaptive`, or `enabled` where MiniMax drifted to it), never with Claude's budget.
   * "adaptive-with-effort": M3.1 always thinks, refuses `disabled` (2013), and takes an effort level.
   */
  readonly thinking: "always-on" | "off-unless-asked" | "adaptive-with-effort"
  readonly images: boolean
  readonly temperature: AcceptedRange
  readonly topP: AcceptedRange
}

export const FAMILY_POLICIES: Record<Family, RequestPolicy> = {
  m2: {
    family: "m2",
    thinking: "always-on",
    images: false,
    // 0 is rejected with 2013 (§3); agents commonly send it.
    temperature: { min: 0, minExcluded: true, max: 1, step: 0.01 },
    topP: { min: 0, minExcluded: true, max: 1, step: 0.01 }
  },
  m3: {
    family: "m3",
    thinking: "off-unless-asked",
    images: true,
    temperature: { min: 0, minExcluded: false, max: 2, step: 0.01 },
    topP: { min: 0, minExcluded: true, max: 1, step: 0.01 }
  },
  "m3.1": {
    family: "m3.1",
    thinking: "adaptive-with-effort",
    images: true,
    temperature: { min: 0, minExcluded: false, max: 2, step: 0.01 },
    topP: { min: 0, minExcluded: true, max: 1, step: 0.01 }
  }
}

/**
 * Pay-as-you-go prices, USD per million tokens (minimax-upstream.md §8). `cacheWrite` absent:
 * the model charges nothing for cache writes (M3's caching is automatic). `longContext`: a
 * request whose prompt (input + cache read + cache write tokens) is above `above` is billed
 * whole at those prices, per request, never over a day's total.
 */
export interface ModelPrice {
  readonly input: number
  readonly output: number
  readonly cacheRead: number
  readonly cacheWrite?: number | undefined
  readonly longContext?: { readonly above: number; readonly input: number; readonly output: number; readonly cacheRead: number } | undefined
}

const M2_PRICE: ModelPrice = { input: 0.30, output: 1.20, cacheRead: 0.06, cacheWrite: 0.375 }
const HIGHSPEED_PRICE: ModelPrice = { input: 0.60, output: 2.40, cacheRead: 0.06, cacheWrite: 0.375 }
const M3_PRICE: ModelPrice = { input: 0.30, output: 1.20, cacheRead: 0.06, longContext: { above: 512_000, input: 0.60, output: 2.40, cacheRead: 0.12 } }

export interface CatalogModel {
  readonly descriptor: ModelDescriptor
  readonly family: Family
  /** Unknown (no pay-as-you-go price published, e.g. M3.1): no cost is ever made up. */
  readonly price?: ModelPrice | undefined
  /** The effort sent when a request has no thinking field (M3.1); none: MiniMax's default. */
  readonly effort?: Effort | undefined
}

export type Catalog = ReadonlyArray<CatalogModel>

const m2 = (id: string, displayName: string, note: string, price: ModelPrice): CatalogModel => ({
  family: "m2",
  price,
  descriptor: {
    id,
    displayName,
    contextWindow: 204_800,
    maxOutputTokens: 131_072,
    supports: { thinking: true, tools: true, images: false },
    note: `${note} Thinking is always on; text only.`
  }
})

const M3_DESCRIPTOR: ModelDescriptor = {
  id: "MiniMax-M3",
  displayName: "MiniMax M3",
  contextWindow: 1_000_000,
  maxOutputTokens: 524_288,
  supports: { thinking: true, tools: true, images: true },
  note: "MiniMax's flagship since June 2026: 1M context, images. Thinks by default through this plugin; send thinking disabled to turn it off. Input over 512K tokens is billed at twice the rate."
}

export const BUILTIN_MODELS: Catalog = [
  m2("MiniMax-M2.7", "MiniMax M2.7", "Token Plan keys (sk-cp-) and funded pay-per-token keys (sk-api-).", M2_PRICE),
  m2("MiniMax-M2.7-highspeed", "MiniMax M2.7 highspeed", "Funded pay-per-token keys (sk-api-) only; not in the base Token Plan. About 100 tokens/s.", HIGHSPEED_PRICE),
  { family: "m3", price: M3_PRICE, descriptor: M3_DESCRIPTOR },
  {
    family: "m3",
    price: M3_PRICE,
    descriptor: {
      ...M3_DESCRIPTOR,
      id: "MiniMax-M3[1m]",
      displayName: "MiniMax M3 (plan id)",
      note: "MiniMax-M3 under the id Token Plan clients use (MiniMax's Claude Code settings for the plan); M3's figures and prices."
    }
  },
  {
    family: "m3.1",
    descriptor: {
      id: "MiniMax-M3.1-Flash-Preview",
      displayName: "MiniMax M3.1 Flash (preview)",
      contextWindow: 1_000_000,
      maxOutputTokens: 131_072,
      supports: { thinking: true, tools: true, images: true },
      note: "M Plan keys only, for now. Always thinks, with an effort level (MiniMax's default: max); a request's thinking budget sets the effort. No pay-as-you-go price published."
    }
  },
  m2("MiniMax-M2.5", "MiniMax M2.5", "Older model.", M2_PRICE),
  m2("MiniMax-M2.5-highspeed", "MiniMax M2.5 highspeed", "Older model, faster.", HIGHSPEED_PRICE),
  m2("MiniMax-M2.1", "MiniMax M2.1", "Older model.", M2_PRICE),
  m2("MiniMax-M2.1-highspeed", "MiniMax M2.1 highspeed", "Older model, faster.", HIGHSPEED_PRICE),
  m2("MiniMax-M2", "MiniMax M2", "Older model.", M2_PRICE)
]

/** A config.json `models` entry: a ModelDescriptor, and for an id the catalog does not know, its family; a price and an effort may be set for any. */
export interface ConfiguredModel {
  readonly descriptor: ModelDescriptor
  readonly family?: Family | undefined
  readonly price?: ModelPrice | undefined
  readonly effort?: Effort | undefined
}

/** The built-in catalog with configured entries replacing same-id ones (keeping their family and price unless named) and the rest appended. */
export const mergeCatalog = (extra: ReadonlyArray<ConfiguredModel>, base: Catalog = BUILTIN_MODELS): Catalog => {
  const byId = new Map(base.map((model) => [model.descriptor.id, model]))
  for (const { descriptor, effort, family, price } of extra) {
    const known = byId.get(descriptor.id)
    byId.set(descriptor.id, {
      descriptor,
      family: family ?? known?.family ?? "m2",
      price: price ?? known?.price,
      effort: effort ?? known?.effort
    })
  }
  return [...byId.values()]
}

export const descriptorsOf = (catalog: Catalog): ReadonlyArray<ModelDescriptor> => catalog.map((model) => model.descriptor)

export const findModel = (catalog: Catalog, id: string): CatalogModel | undefined => catalog.find((model) => model.descriptor.id === id)

/**
 * The family of a model id the catalog lacks, by the longest known prefix: `MiniMax-M3.1*` is
 * M3.1, `MiniMax-M3*` M3, `MiniMax-M2*` M2; anything else is sent as M2 (`guessed: false`).
 */
export const familyOfId = (id: string): { readonly family: Family; readonly guessed: boolean } =>
  id.startsWith("MiniMax-M3.1") ? { family: "m3.1", guessed: true }
  : id.startsWith("MiniMax-M3") ? { family: "m3", guessed: true }
  : id.startsWith("MiniMax-M2") ? { family: "m2", guessed: true }
  : { family: "m2", guessed: false }

/** What a listed model the catalog lacks is taken to be: its family's figures. */
const FAMILY_FIGURES: Record<Family, Pick<ModelDescriptor, "contextWindow" | "maxOutputTokens" | "supports">> = {
  "m3.1": { contextWindow: 1_000_000, maxOutputTokens: 131_072, supports: { thinking: true, tools: true, images: true } },
  m3: { contextWindow: 1_000_000, maxOutputTokens: 524_288, supports: { thinking: true, tools: true, images: true } },
  m2: { contextWindow: 204_800, maxOutputTokens: 131_072, supports: { thinking: true, tools: true, images: false } }
}

/**
 * The catalog with the models on MiniMax's own list that it lacks, each with the family its id
 * names and that family's figures; `unguessed` are the ids no known prefix named (sent as M2).
 */
export const withListedModels = (
  catalog: Catalog,
  listed: ReadonlyArray<{ readonly id: string; readonly displayName?: string | undefined }>
): { readonly catalog: Catalog; readonly added: ReadonlyArray<string>; readonly unguessed: ReadonlyArray<string> } => {
  const known = new Set(catalog.map((model) => model.descriptor.id))
  const added: Array<CatalogModel> = []
  const unguessed: Array<string> = []
  for (const { displayName, id } of listed) {
    if (known.has(id)) continue
    known.add(id)
    const { family, guessed } = familyOfId(id)
    if (!guessed) unguessed.push(id)
    added.push({
      family,
      descriptor: { id, displayName: displayName ?? id, ...FAMILY_FIGURES[family], note: `On MiniMax's own model list; not in this plugin's catalog (sent as ${family.toUpperCase()}).` }
    })
  }
  return { catalog: added.length === 0 ? catalog : [...catalog, ...added], added: added.map((model) => model.descriptor.id), unguessed }
}
