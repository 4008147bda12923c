/**
 * JSON numbers that survive exactly. `JSON.parse` turns `1234567890123456789` into
 * `1234567890123456800` and `1e400` into `Infinity` (then `null`): a tool called with a
 * snowflake id, or a JSON-RPC id above 2^53, would be changed silently. Node 24's reviver sees
 * each number's source text, and `JSON.rawJSON` makes `JSON.stringify` write it back verbatim,
 * so a number a double cannot hold stays its source text, in both directions.
 */

/** What `JSON.rawJSON` returns: serialised by `JSON.stringify` as its text, verbatim. */
export interface RawJson {
  readonly rawJSON: string
}

interface JsonWithRaw {
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: { readonly source?: string }) => unknown): unknown
  rawJSON(text: string): RawJson
  isRawJSON(value: unknown): value is RawJson
}

const NativeJson = JSON as unknown as JsonWithRaw

/** A number written in JSON as text a double cannot hold, kept as that text. */
export const isRawJson = (value: unknown): value is RawJson => NativeJson.isRawJSON(value)

/** The decimal `text` as sign, significant digits and exponent: equal for equal values. */
const canonicalDecimal = (text: string): string => {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (match === null) return text
  const digits = `${match[2]}${match[3] ?? ""}`
  const exponent = Number(match[4] ?? 0) - (match[3]?.length ?? 0)
  const trimmedLeft = digits.replace(/^0+/, "")
  if (trimmedLeft === "") return "0"
  const trimmed = trimmedLeft.replace(/0+$/, "")
  return `${match[1]}${trimmed}e${exponent + trimmedLeft.length - trimmed.length}`
}

/** True when the double `value` is exactly the decimal written as `source`. */
const holdsExactly = (value: number, source: string): boolean => {
  if (!Number.isFinite(value)) return false
  const written = String(value)
  return written === source || canonicalDecimal(written) === canonicalDecimal(source)
}

const exactReviver = function(this: unknown, _key: string, value: unknown, context: { readonly source?: string }): unknown {
  if (typeof value !== "number" || context.source === undefined || holdsExactly(value, context.source)) return value
  return NativeJson.rawJSON(context.source)
}

/** Digit runs a double may not hold, or an exponent: only then is the slower reviver needed. */
const MAY_LOSE_PRECISION = /\d{16}|\d[eE]/

/** `JSON.parse`, except that a number a double cannot hold exactly stays its source text (a RawJson). */
export const parseJsonExact = (text: string): unknown =>
  MAY_LOSE_PRECISION.test(text) ? NativeJson.parse(text, exactReviver) : JSON.parse(text)
