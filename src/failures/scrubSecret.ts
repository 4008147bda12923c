/**
 * Scrubbing the key out of text that came from outside. An upstream or proxy may echo the
 * Authorization value anywhere (a request id, a header, `error.type`, a body cut short), so
 * every piece of upstream text passes through a scrubber where it enters the plugin. Pure.
 */

/** No run of this many consecutive characters of the key may appear in anything the plugin writes. */
export const SECRET_WINDOW = 12

export const REDACTED = "[redacted]"

export type Scrubber = (text: string) => string

/**
 * Replaces every stretch of `text` covered by a run of at least SECRET_WINDOW characters of
 * `secret` with REDACTED. A key shorter than the window is replaced where it occurs whole.
 */
export const secretScrubber = (secret: string): Scrubber => {
  if (secret.length === 0) return (text) => text
  if (secret.length < SECRET_WINDOW) return (text) => text.split(secret).join(REDACTED)
  const windows = new Set<string>()
  for (let i = 0; i + SECRET_WINDOW <= secret.length; i++) windows.add(secret.slice(i, i + SECRET_WINDOW))
  return (text) => {
    if (text.length < SECRET_WINDOW) return text
    let out = ""
    let copiedTo = 0
    let coveredTo = -1
    let runStart = -1
    for (let i = 0; i + SECRET_WINDOW <= text.length; i++) {
      if (!windows.has(text.slice(i, i + SECRET_WINDOW))) continue
      if (i > coveredTo) {
        if (runStart >= 0) {
          out += text.slice(copiedTo, runStart) + REDACTED
          copiedTo = coveredTo
        }
        runStart = i
      }
      coveredTo = i + SECRET_WINDOW
    }
    if (runStart < 0) return text
    return out + text.slice(copiedTo, runStart) + REDACTED + text.slice(coveredTo)
  }
}

/** Scrubs a value that may be absent. */
export const scrubOptional = (scrub: Scrubber, text: string | undefined): string | undefined =>
  text === undefined ? undefined : scrub(text)
