/** undici's HttpClient layer, imported by `HttpClientLive` when the first request is made (a chunk of its own in dist/). */
export { layerUndici } from "@effect/platform-node/NodeHttpClient"
