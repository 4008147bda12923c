/**
 * Upstream text the probe shows cannot be trusted: a quota host or a proxy may echo the key, or
 * write escape sequences that erase lines and print a fake "ok". Every string of a report is
 * scrubbed of the key, and the human report shows control characters escaped. Pure.
 */
import type { Scrubber } from "../failures/scrubSecret.ts"

/** `value` with every string in it (values, not keys) passed through `f`. */
export const mapStrings = <A>(value: A, f: (text: string) => string): A => {
  if (typeof value === "string") return f(value) as A
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f)) as A
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: mapStrings(item, f), enumerable: true, writable: true, configurable: true })
    return out as A
  }
  return value
}

/** Every string of `report` scrubbed of each key. */
export const scrubbedReport = <A>(report: A, scrubbers: ReadonlyArray<Scrubber>): A =>
  mapStrings(report, (text) => scrubbers.reduce((out, scrub) => scrub(out), text))

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Control characters (ESC, CR, BEL, bidi overrides…) as `\u001b`-style escapes, so a terminal shows them instead of obeying them. */
export const escapeControls = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
