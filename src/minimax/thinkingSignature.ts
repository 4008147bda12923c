/**
 * MiniMax's thinking signature is the SHA-256 (lowercase hex) of the block's thinking text,
 * byte for byte (measured on three MiniMax examples, minimax-upstream.md §7). So a signature
 * can be checked: one that is 64 hex characters but not the hash of its text was edited,
 * trimmed, or cut short in transit.
 */
const HEX_64 = /^[0-9a-f]{64}$/

/** node:crypto, loaded by the first signature rather than by every start (about 12 ms before `initialize`). */
let crypto: typeof import("node:crypto") | undefined

/** The signature MiniMax gives `thinking`. */
export const signatureOf = (thinking: string): string =>
  (crypto ??= process.getBuiltinModule("node:crypto")).createHash("sha256").update(thinking, "utf8").digest("hex")

/** True when `signature` has MiniMax's form (64 lowercase hex) but does not sign `thinking`. */
export const isMismatchedSignature = (thinking: string, signature: string): boolean =>
  HEX_64.test(signature) && signatureOf(thinking) !== signature
