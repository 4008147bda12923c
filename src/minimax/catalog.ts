/**
 * The models the plugin serves, as data (minimax-upstream.md §7), and how each is sent. A model
 * belongs to a family, and the family's request policy says how thinking is sent, whether
 * images are accepted, and which temperature and top_p MiniMax takes. `models` in config.json
 * is merged over this list by `id`; an entry for an id the catalog does not know may name its
 * family (`"family": "m3"` or `"m2"`), else it gets the M2 policy.
 */
import type { ModelDescriptor } from "@plexum/sdk"
import { Schema } from "effect"

/** The model families, each with its own request policy. */
export const Family = Schema.Literals(["m3", "m2"])
export type Family = typeof Family.Type

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
   */
  readonly thinking: "always-on" | "off-unless-asked"
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
  }
}

export interface CatalogModel {
  readonly descriptor: ModelDescriptor
  readonly family: Family
}

export type Catalog = ReadonlyArray<CatalogModel>

const m2 = (id: string, displayName: string, note: string): CatalogModel => ({
  family: "m2",
  descriptor: {
    id,
    displayName,
    contextWindow: 204_800,
    maxOutputTokens: 131_072,
    supports: { thinking: true, tools: true, images: false },
    note: `${note} Thinking is always on; text only.`
  }
})

export const BUILTIN_MODELS: Catalog = [
  m2("MiniMax-M2.7", "MiniMax M2.7", "Token Plan keys (sk-cp-) and funded pay-per-token keys (sk-api-)."),
  m2("MiniMax-M2.7-highspeed", "MiniMax M2.7 highspeed", "Funded pay-per-token keys (sk-api-) only; not in the base Token Plan. About 100 tokens/s."),
  {
    family: "m3",
    descriptor: {
      id: "MiniMax-M3",
      displayName: "MiniMax M3",
      contextWindow: 1_000_000,
      maxOutputTokens: 524_288,
      supports: { thinking: true, tools: true, images: true },
      note: "MiniMax's flagship since June 2026: 1M context, images. Thinks by default through this plugin; send thinking disabled to turn it off. Input over 512K tokens is billed at twice the rate."
    }
  },
  m2("MiniMax-M2.5", "MiniMax M2.5", "Older model."),
  m2("MiniMax-M2.5-highspeed", "MiniMax M2.5 highspeed", "Older model, faster."),
  m2("MiniMax-M2.1", "MiniMax M2.1", "Older model."),
  m2("MiniMax-M2.1-highspeed", "MiniMax M2.1 highspeed", "Older model, faster."),
  m2("MiniMax-M2", "MiniMax M2", "Older model.")
]

/** A config.json `models` entry: a ModelDescriptor, and for an id the catalog does not know, its family. */
export interface ConfiguredModel {
  readonly descriptor: ModelDescriptor
  readonly family?: Family | undefined
}

/** The built-in catalog with configured entries replacing same-id ones (keeping their family unless named) and the rest appended. */
export const mergeCatalog = (extra: ReadonlyArray<ConfiguredModel>, base: Catalog = BUILTIN_MODELS): Catalog => {
  const byId = new Map(base.map((model) => [model.descriptor.id, model]))
  for (const { descriptor, family } of extra) {
    byId.set(descriptor.id, { descriptor, family: family ?? byId.get(descriptor.id)?.family ?? "m2" })
  }
  return [...byId.values()]
}

export const descriptorsOf = (catalog: Catalog): ReadonlyArray<ModelDescriptor> => catalog.map((model) => model.descriptor)

export const findModel = (catalog: Catalog, id: string): CatalogModel | undefined => catalog.find((model) => model.descriptor.id === id)
