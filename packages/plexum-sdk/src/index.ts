/**
 * `@plexum/sdk`: the Plexum provider plugin protocol v1.
 *
 * - `Protocol`: Schemas for the canonical types (§4) and `ProviderFailure` (§5).
 * - `Plugin`: the `ProviderPlugin` interface a provider implements.
 * - `serve`: the stdio JSON-RPC runtime (§2, §3, §5).
 * - `@plexum/sdk/host`: a test host that spawns a plugin and drives it.
 */
export * from "./Framing.ts"
export * from "./Logging.ts"
export * from "./Plugin.ts"
export * from "./Protocol.ts"
export { decodeParams, type Dispatcher, makeDispatcher, serve } from "./Server.ts"
export { makeStdioTransport, type Transport } from "./Transport.ts"
export * from "./TurnResultFold.ts"
export { isRawJson, parseJsonExact, type RawJson } from "./ExactJson.ts"
