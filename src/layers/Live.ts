/**
 * The live composition: undici for HTTP, the real file system and environment for config.
 */
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import { MinimaxProvider } from "../Provider.ts"
import { Auth } from "../services/Auth.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { PluginConfig } from "../services/PluginConfig.ts"

/** Config and the MiniMax client, with the HttpClient they run on exposed too (the probe uses it). */
export const ServicesLive = Layer.mergeAll(
  MinimaxClient.layer.pipe(Layer.provide(Auth.layer)),
  PluginConfig.layer.pipe(Layer.provide(NodeFileSystem.layer))
).pipe(Layer.provideMerge(NodeHttpClient.layerUndici))

export const ProviderLive = MinimaxProvider.layer.pipe(Layer.provide(ServicesLive))
