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
  /** `raw` is the markup as written, relayed as text when the call is not one the request offered. */
  | { readonly kind: "toolCall"; readonly invokes: ReadonlyArray<Invoke>; readonly raw: string }
  | { readonly kind: "thinking"; readonly thinking: string }
  /** A reasoning closer with no opener, alone at the start of a text block: dropped (§8). */
  | { readonly kind: "strayCloser"; readonly closer: string }

/** The reasoning markup M3 writes in text (§7, §8): `<think>` and, since November 2026, `<mm:think>`. */
export const THINK_TAGS: ReadonlyArray<readonly [open: string, close: string]> = [[THINK_OPEN, THINK_CLOSE], ["<mm:think>", "</mm:think>"]]

/** Closers M3 has been seen to leave at the start of a text block with no opener before them (§8). */
export const STRAY_CLOSERS: ReadonlyArray<string> = ["</think>", "</mm:think>", "</thinking>"]

/**
 * White space held at the start of a text block, where reasoning markup may still open (the
 * turn's first text block) or a stray closer may stand. MiniMax writes `"\n\n"` there; past this much, it is relayed as the text it is and no
 * markup is looked for in the lead any more.
 */
export const MAX_LEAD_WHITE = 1024

/** Captured markup as a persistent list of the deltas it came in: appending is O(1), joining is done once. */
interface Captured {
  readonly text: string
  readonly before: Captured | undefined
}

const joinCaptured = (captured: Captured | undefined): string => {
  const parts: Array<string> = []
  for (let at = captured; at !== undefined; at = at.before) parts.push(at.text)
  return parts.reverse().join("")
}

export type ScanState =
  /**
   * The start of a text block, where a stray closer may stand, and in the turn's first text block
   * (`thinkMayOpen`) reasoning markup may open; `held` is white space and a possible tag start.
   */
  | { readonly phase: "lead"; readonly held: string; readonly thinkMayOpen: boolean }
  /** Plain text; `held` could be the start of a tool call's opening tag. */
  | { readonly phase: "text"; readonly held: string }
  /**
   * Inside markup opened by `open`. `captured` holds what came after it (`size` characters),
   * `tail` its last characters, enough to find a closing tag cut across deltas, and `lead` the
   * white space before the tag, relayed with it when the markup never closes.
   */
  | {
    readonly phase: "toolCall" | "think"
    readonly open: string
    readonly close: string
    readonly lead: string
    readonly captured: Captured | undefined
    readonly size: number
    readonly tail: string
  }

export const initialScan = (firstTextOfTurn: boolean): ScanState => ({ phase: "lead", held: "", thinkMayOpen: firstTextOfTurn })

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
const NON_WHITE = /\S/
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

const inside = (phase: "toolCall" | "think", open: string, close: string, lead: string): ScanState => ({ phase, open, close, lead, captured: undefined, size: 0, tail: "" })

/** The markup that `state` has captured, as the text it was. */
const asText = (state: Extract<ScanState, { phase: "toolCall" | "think" }>, more = ""): string => state.lead + state.open + joinCaptured(state.captured) + more

/**
 * Scans `delta`, which follows what led to `state`. Linear in the text: each delta is searched
 * once (with the few characters before it that a tag cut across deltas needs), and captured
 * markup is joined only when it closes.
 */
export const scanMarkup = (state: ScanState, delta: string): ScanStep => {
  const pieces: Array<Piece> = []
  let current: ScanState = state
  let input = delta
  for (;;) {
    switch (current.phase) {
      case "lead": {
        const { thinkMayOpen } = current
        const text = current.held + input
        const first = text.search(NON_WHITE)
        if (first < 0) {
          if (text.length <= MAX_LEAD_WHITE) return { state: { phase: "lead", held: text, thinkMayOpen }, pieces }
          current = { phase: "text", held: "" }
          input = text
          continue
        }
        const rest = text.slice(first)
        const opens = thinkMayOpen ? THINK_TAGS : []
        const tag = opens.find(([open]) => rest.startsWith(open))
        if (tag !== undefined && first <= MAX_LEAD_WHITE) {
          current = inside("think", tag[0], tag[1], text.slice(0, first))
          input = rest.slice(tag[0].length)
          continue
        }
        const closer = STRAY_CLOSERS.find((each) => rest.startsWith(each))
        if (closer !== undefined && first <= MAX_LEAD_WHITE) {
          pushText(pieces, text.slice(0, first))
          pieces.push({ kind: "strayCloser", closer })
          current = { phase: "text", held: "" }
          input = rest.slice(closer.length)
          continue
        }
        const mayStillBe = (tag: string) => tag.startsWith(rest)
        if (first <= MAX_LEAD_WHITE && (opens.some(([open]) => mayStillBe(open)) || STRAY_CLOSERS.some(mayStillBe))) {
          return { state: { phase: "lead", held: text, thinkMayOpen }, pieces }
        }
        current = { phase: "text", held: "" }
        input = text
        continue
      }
      case "text": {
        const text = current.held + input
        const open = text.indexOf(TOOL_CALL_OPEN)
        if (open < 0) {
          const held = heldFor(text, TOOL_CALL_OPEN)
          pushText(pieces, text.slice(0, text.length - held))
          return { state: { phase: "text", held: text.slice(text.length - held) }, pieces }
        }
        pushText(pieces, text.slice(0, open))
        current = inside("toolCall", TOOL_CALL_OPEN, TOOL_CALL_CLOSE, "")
        input = text.slice(open + TOOL_CALL_OPEN.length)
        continue
      }
      case "toolCall":
      case "think": {
        const markup = current
        const window = markup.tail + input
        const end = window.indexOf(markup.close)
        if (end < 0) {
          const size = markup.size + input.length
          if (size > MAX_MARKUP_CHARS) {
            pushText(pieces, asText(markup, input))
            return { state: { phase: "text", held: "" }, pieces }
          }
          const captured = input === "" ? markup.captured : { text: input, before: markup.captured }
          return { state: { ...markup, captured, size, tail: window.slice(-(markup.close.length - 1)) }, pieces }
        }
        const contentEnd = markup.size - markup.tail.length + end
        const content = (joinCaptured(markup.captured) + input).slice(0, contentEnd)
        const after = window.slice(end + markup.close.length)
        if (markup.phase === "think") pieces.push({ kind: "thinking", thinking: content })
        else {
          const raw = markup.open + content + markup.close
          const invokes = parseInvokes(content)
          if (invokes === undefined) pushText(pieces, raw)
          else pieces.push({ kind: "toolCall", invokes, raw })
        }
        current = { phase: "text", held: "" }
        input = after
        continue
      }
    }
  }
}

/** The end of the text block: what is held or captured is relayed as the text it was. */
export const endMarkup = (state: ScanState): ReadonlyArray<Piece> => {
  const pieces: Array<Piece> = []
  pushText(pieces, state.phase === "lead" || state.phase === "text" ? state.held : asText(state))
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
