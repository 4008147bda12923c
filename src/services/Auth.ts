/**
 * Authentication: which kind of key this is, which headers carry it, and the self-heal.
 *
 * MiniMax wants `Authorization: Bearer` (clients that send only `x-api-key` get a 401), but
 * since about May 2026 some accounts get the mirror 401 naming `X-Api-Key`. When a 401 names
 * the other header, the client retries once with it; this service then keeps using what
 * worked for the life of the process and says, once, which `auth_header` to write.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { HttpClientRequest } from "effect/http"
import type { AuthHeaderMode } from "./PluginConfig.ts"

export type KeyKind = "token-plan" | "pay-per-token" | "unknown"

export const keyKindOf = (key: string): KeyKind =>
  key.startsWith("sk-cp-") ? "token-plan" : key.startsWith("sk-api-") ? "pay-per-token" : "unknown"

export const KEY_KIND_LABEL: Record<KeyKind, string> = {
  "token-plan": "Token Plan (sk-cp-)",
  "pay-per-token": "pay-per-token (sk-api-)",
  unknown: "unknown kind"
}

/** The key as it may be shown: its kind prefix, `…`, and its last 4 characters (2 for short keys). */
export const maskKey = (key: string): string => {
  const prefix = key.startsWith("sk-cp-") ? "sk-cp-" : key.startsWith("sk-api-") ? "sk-api-" : ""
  return key.length < 16 ? `…${key.slice(-2)}` : `${prefix}…${key.slice(-4)}`
}

/** Sets the headers that carry the key under `mode`. */
export const authorize = (mode: AuthHeaderMode, key: Redacted.Redacted<string>) =>
(request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
  switch (mode) {
    case "bearer":
      return HttpClientRequest.bearerToken(request, key)
    case "x-api-key":
      return HttpClientRequest.setHeader(request, "x-api-key", Redacted.value(key))
    case "both":
      return HttpClientRequest.setHeader(HttpClientRequest.bearerToken(request, key), "x-api-key", Redacted.value(key))
  }
}

export class Auth extends Context.Service<Auth, {
  /** The mode to use now: the configured one, unless a 401 taught us otherwise. */
  readonly effectiveMode: (configured: AuthHeaderMode) => Effect.Effect<AuthHeaderMode>
  /** Records that `mode` worked after `configured` got a 401 naming it. */
  readonly learn: (configured: AuthHeaderMode, mode: AuthHeaderMode) => Effect.Effect<void>
}>()("plexum-minimax-provider/Auth") {
  static readonly make = Effect.sync(() => {
    let learned: { readonly configured: AuthHeaderMode; readonly mode: AuthHeaderMode } | undefined
    return Auth.of({
      effectiveMode: (configured) =>
        Effect.sync(() => learned !== undefined && learned.configured === configured ? learned.mode : configured),
      learn: (configured, mode) =>
        Effect.suspend(() => {
          if (learned?.configured === configured && learned.mode === mode) return Effect.void
          learned = { configured, mode }
          return Effect.logWarning(
            `MiniMax refused auth_header "${configured}" and accepted "${mode}"; using "${mode}" from now on. ` +
              `Write "auth_header": "${mode}" in config.json to make it permanent.`
          )
        })
    })
  })

  static readonly layer = Layer.effect(Auth, Auth.make)
}
