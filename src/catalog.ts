/**
 * The models the plugin declares. Data, not code: `models` in config.json (ModelDescriptor
 * objects) is merged over this list by `id`, so older and newer MiniMax models need no release.
 */
import type { ModelDescriptor } from "@plexum/sdk"

export type Catalog = ReadonlyArray<ModelDescriptor>

export const BUILTIN_MODELS: Catalog = [
  {
    id: "MiniMax-M2.7",
    displayName: "MiniMax M2.7",
    contextWindow: 204_800,
    maxOutputTokens: 131_072,
    supports: { thinking: true, tools: true, images: false },
    note: "Works with Token Plan keys (sk-cp-) and funded pay-per-token keys (sk-api-). Thinking is always on."
  },
  {
    id: "MiniMax-M2.7-highspeed",
    displayName: "MiniMax M2.7 highspeed",
    contextWindow: 204_800,
    maxOutputTokens: 131_072,
    supports: { thinking: true, tools: true, images: false },
    note: "Funded pay-per-token keys (sk-api-) only; not in the base Token Plan. About 100 tokens/s. Thinking is always on."
  }
]

/** The built-in catalog with `extra` entries replacing same-id ones and the rest appended. */
export const mergeCatalog = (extra: Catalog, base: Catalog = BUILTIN_MODELS): Catalog => {
  const byId = new Map(base.map((model) => [model.id, model]))
  for (const model of extra) byId.set(model.id, model)
  return [...byId.values()]
}
