/**
 * Where a JSON text first goes wrong, for a message that names a line and a column. V8's own
 * messages do not always give a position, and quote the text around the error, which in
 * config.json may be the key. Pure; only called once a parse has already failed.
 */

const WHITE = /[ \t\n\r]*/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y

/** The offset of the first character at which `text` stops being JSON, or undefined when it is JSON. */
export const jsonErrorOffset = (text: string): number | undefined => {
  let at = 0
  const skip = () => {
    WHITE.lastIndex = at
    WHITE.test(text)
    at = WHITE.lastIndex
  }
  const match = (pattern: RegExp) => {
    pattern.lastIndex = at
    if (!pattern.test(text)) return false
    at = pattern.lastIndex
    return true
  }
  /** Reads one value; false with `at` on the offending character. */
  const value = (depth: number): boolean => {
    skip()
    if (depth > 512) return false
    const c = text[at]
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]"
      at++
      skip()
      if (text[at] === close) return ++at > 0
      for (;;) {
        if (c === "{") {
          skip()
          if (!match(STRING)) return false
          skip()
          if (text[at] !== ":") return false
          at++
        }
        if (!value(depth + 1)) return false
        skip()
        if (text[at] === close) return ++at > 0
        if (text[at] !== ",") return false
        at++
      }
    }
    if (c === "\"") return match(STRING)
    for (const word of ["true", "false", "null"]) if (text.startsWith(word, at)) return (at += word.length) > 0
    return match(NUMBER)
  }
  if (text.charCodeAt(0) === 0xfeff) at = 1
  if (!value(0)) return at
  skip()
  return at === text.length ? undefined : at
}
