/**
 * A copy of `text` that does not keep the chunk it was cut from alive. V8 keeps a slice of 13 or
 * more characters as a view into its parent string, so a piece of a chunk kept beyond it (the end
 * of a line the next chunk finishes, a delta's text held in its block until the block ends) would
 * hold the whole chunk, up to 32 KiB, for as long. Shorter strings are copies already.
 */
export const detached = (text: string): string => text.length < 13 ? text : JSON.parse(JSON.stringify(text)) as string
