/**
 * What can be said about an API key without showing it: its kind, and its masked form
 * (protocol §5: the kind prefix, `…`, and the last 4 characters; 2 for short keys); and the
 * headers that may carry it (minimax-upstream.md §1: MiniMax has asked for each in turn).
 */
import { Schema } from "effect"

/** Which header carries the key: `Authorization: Bearer`, `x-api-key`, or both. */
export const AuthHeader = Schema.Literals(["bearer", "x-api-key", "both"])
export type AuthHeader = typeof AuthHeader.Type

export type KeyKind = "token-plan" | "pay-per-token" | "unknown"

export const keyKindOf = (key: string): KeyKind =>
  key.startsWith("sk-cp-") ? "token-plan" : key.startsWith("sk-api-") ? "pay-per-token" : "unknown"

export const KEY_KIND_LABEL: Record<KeyKind, string> = {
  "token-plan": "Token Plan (sk-cp-)",
  "pay-per-token": "pay-per-token (sk-api-)",
  unknown: "unknown kind"
}

/** The key as it may be shown. */
export const maskKey = (key: string): string => {
  const prefix = key.startsWith("sk-cp-") ? "sk-cp-" : key.startsWith("sk-api-") ? "sk-api-" : ""
  return key.length < 16 ? `…${key.slice(-2)}` : `${prefix}…${key.slice(-4)}`
}

/**
 * The first character of `key` that an HTTP header cannot carry (only visible ASCII can:
 * a key pasted from a web page may end in an invisible U+200B), as "U+200B at position 25".
 */
export const unsendableCharacterOf = (key: string): string | undefined => {
  for (let i = 0; i < key.length; i++) {
    const code = key.codePointAt(i)!
    if (code < 0x21 || code > 0x7e) {
      return `U+${code.toString(16).toUpperCase().padStart(4, "0")} at position ${i + 1}`
    }
  }
  return undefined
}
