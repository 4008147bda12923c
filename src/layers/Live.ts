/**
 * The live composition: undici for HTTP, the real file system and environment for config.
 */
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import { MinimaxProvider } from "../Provider.ts"
import { Auth } from "../services/Auth.ts"
import { MinimaxClient } from "../services/MinimaxClient.ts"
import { PluginConfig } from "../services/PluginConfig.ts"

export const ServicesLive = Layer.mergeAll(
  MinimaxClient.layer.pipe(Layer.provide([Auth.layer, NodeHttpClient.layerUndici])),
  PluginConfig.layer.pipe(Layer.provide(NodeFileSystem.layer))
)

export const ProviderLive = MinimaxProvider.layer.pipe(Layer.provide(ServicesLive))
