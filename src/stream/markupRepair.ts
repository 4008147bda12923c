/**
 * Markup MiniMax sometimes writes into a text block instead of a block of its own
 * (minimax-upstream.md §7): a tool call as `<minimax:tool_call>` XML, and on M3 a leading
 * `<think>…</think>`. The scanner reads one text block as it streams and splits it into pieces:
 * text to relay, tool calls, and thinking. It holds back only what could be the start of an
 * opening tag. Markup that never closes, or does not parse, comes back as the text it was:
 * nothing is lost. Pure: the state is a value, never changed in place.
 */

export const TOOL_CALL_OPEN = "<minimax:tool_call>"
export const TOOL_CALL_CLOSE = "</minimax:tool_call>"
export const THINK_OPEN = "<think>"
export const THINK_CLOSE = "</think>"

/** Markup longer than this is not a tool call anyone meant: it is relayed as text. */
export const MAX_MARKUP_CHARS = 1024 * 1024

export interface Invoke {
  readonly name: string
  /** Each parameter's raw text, in order. */
  readonly parameters: ReadonlyArray<readonly [name: string, value: string]>
}

export type Piece =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "toolCall"; readonly invokes: ReadonlyArray<Invoke> }
  | { readonly kind: "thinking"; readonly thinking: string }

export interface ScanState {
  /**
   * "lead": the start of the turn's first text block, where `<think>` may open (white space
   * before it is held with it); "text": plain text; "toolCall" / "think": inside markup.
   */
  readonly phase: "lead" | "text" | "toolCall" | "think"
  /** Text held back (it may begin a tag), or the markup captured so far. */
  readonly buffer: string
}

export const initialScan = (firstTextOfTurn: boolean): ScanState => ({ phase: firstTextOfTurn ? "lead" : "text", buffer: "" })

export interface ScanStep {
  readonly state: ScanState
  readonly pieces: ReadonlyArray<Piece>
}

/** How many trailing characters of `text` are a proper prefix of `tag`. */
const heldFor = (text: string, tag: string): number => {
  const from = Math.max(0, text.length - tag.length + 1)
  for (let at = text.indexOf("<", from); at >= 0; at = text.indexOf("<", at + 1)) {
    if (tag.startsWith(text.slice(at))) return text.length - at
  }
  return 0
}

const WHITE = /^\s*$/
const NAME_ATTRIBUTE = /^\s+name\s*=\s*(?:"([^"]*)"|'([^']*)')\s*$/

/** `<tag name="x">` at `at` (after white space): its name and where its content starts. */
const openTag = (xml: string, at: number, tag: string): { readonly name: string; readonly contentAt: number } | undefined => {
  let position = at
  while (position < xml.length && /\s/.test(xml[position]!)) position++
  if (!xml.startsWith(`<${tag}`, position)) return undefined
  const end = xml.indexOf(">", position)
  if (end < 0) return undefined
  const attributes = NAME_ATTRIBUTE.exec(xml.slice(position + tag.length + 1, end))
  if (attributes === null) return undefined
  return { name: attributes[1] ?? attributes[2] ?? "", contentAt: end + 1 }
}

/** The invokes of a tool call's content, or undefined when it is not well formed. */
export const parseInvokes = (xml: string): ReadonlyArray<Invoke> | undefined => {
  const invokes: Array<Invoke> = []
  let position = 0
  while (!WHITE.test(xml.slice(position))) {
    const invoke = openTag(xml, position, "invoke")
    if (invoke === undefined || invoke.name === "") return undefined
    const close = xml.indexOf("</invoke>", invoke.contentAt)
    if (close < 0) return undefined
    const body = xml.slice(invoke.contentAt, close)
    const parameters: Array<readonly [string, string]> = []
    let at = 0
    while (!WHITE.test(body.slice(at))) {
      const parameter = openTag(body, at, "parameter")
      if (parameter === undefined) return undefined
      const end = body.indexOf("</parameter>", parameter.contentAt)
      if (end < 0) return undefined
      parameters.push([parameter.name, body.slice(parameter.contentAt, end)])
      at = end + "</parameter>".length
    }
    invokes.push({ name: invoke.name, parameters })
    position = close + "</invoke>".length
  }
  return invokes.length === 0 ? undefined : invokes
}

const pushText = (pieces: Array<Piece>, text: string) => {
  if (text === "") return
  const last = pieces.at(-1)
  if (last?.kind === "text") pieces[pieces.length - 1] = { kind: "text", text: last.text + text }
  else pieces.push({ kind: "text", text })
}

/** Scans `delta`, which follows what led to `state`. */
export const scanMarkup = (state: ScanState, delta: string): ScanStep => {
  const pieces: Array<Piece> = []
  let phase = state.phase
  let buffer = state.buffer + delta
  for (;;) {
    switch (phase) {
      case "lead": {
        const trimmed = buffer.trimStart()
        if (trimmed === "" || (THINK_OPEN.startsWith(trimmed) && trimmed.length < THINK_OPEN.length)) return { state: { phase, buffer }, pieces }
        if (trimmed.startsWith(THINK_OPEN)) {
          phase = "think"
          buffer = trimmed.slice(THINK_OPEN.length)
        } else phase = "text"
        continue
      }
      case "text": {
        const open = buffer.indexOf(TOOL_CALL_OPEN)
        if (open < 0) {
          const held = heldFor(buffer, TOOL_CALL_OPEN)
          pushText(pieces, buffer.slice(0, buffer.length - held))
          return { state: { phase, buffer: buffer.slice(buffer.length - held) }, pieces }
        }
        pushText(pieces, buffer.slice(0, open))
        phase = "toolCall"
        buffer = buffer.slice(open + TOOL_CALL_OPEN.length)
        continue
      }
      case "toolCall":
      case "think": {
        const [open, close] = phase === "toolCall" ? [TOOL_CALL_OPEN, TOOL_CALL_CLOSE] : [THINK_OPEN, THINK_CLOSE]
        const end = buffer.indexOf(close)
        if (end < 0) {
          if (buffer.length <= MAX_MARKUP_CHARS) return { state: { phase, buffer }, pieces }
          pushText(pieces, open + buffer)
          return { state: { phase: "text", buffer: "" }, pieces }
        }
        const content = buffer.slice(0, end)
        if (phase === "think") pieces.push({ kind: "thinking", thinking: content })
        else {
          const invokes = parseInvokes(content)
          if (invokes === undefined) pushText(pieces, open + content + close)
          else pieces.push({ kind: "toolCall", invokes })
        }
        phase = "text"
        buffer = buffer.slice(end + close.length)
        continue
      }
    }
  }
}

/** The end of the text block: what is held or captured is relayed as the text it was. */
export const endMarkup = (state: ScanState): ReadonlyArray<Piece> => {
  const pieces: Array<Piece> = []
  switch (state.phase) {
    case "lead":
    case "text":
      pushText(pieces, state.buffer)
      break
    case "toolCall":
      pushText(pieces, TOOL_CALL_OPEN + state.buffer)
      break
    case "think":
      pushText(pieces, THINK_OPEN + state.buffer)
      break
  }
  return pieces
}

/** A parameter's value typed by the tool's input schema: JSON for number, integer, boolean, array and object. */
export const typedValue = (raw: string, schemaType: unknown, parse: (text: string) => unknown): unknown => {
  const type = Array.isArray(schemaType) ? schemaType.find((t) => t !== "null") : schemaType
  if (type !== "number" && type !== "integer" && type !== "boolean" && type !== "array" && type !== "object") return raw
  try {
    const value = parse(raw.trim())
    return value === null || value === undefined ? raw : value
  } catch {
    return raw
  }
}
