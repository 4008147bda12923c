/**
 * What a gateway fixes for its users before sending, instead of letting MiniMax answer 2013:
 * a temperature or top_p outside the family's accepted range moves to the nearest accepted
 * value (agents commonly send temperature 0, which M2.x rejects), a tool schema without
 * `type: "object"` or `properties` gets them (some MiniMax versions reject tools with no
 * parameters), and a thinking block whose signature no longer signs its text is sent unsigned
 * (MiniMax accepts unsigned thinking and has been reported to reject a mismatched signature).
 * Pure.
 */
import type { ContentBlock, Message, Tool, TurnRequest } from "@plexum/sdk"
import type { AcceptedRange, RequestPolicy } from "../minimax/catalog.ts"
import { isMismatchedSignature } from "../minimax/thinkingSignature.ts"

export type RepairKind = "temperature" | "topP" | "toolSchema" | "thinkingDisabled"

export interface Repair {
  readonly kind: RepairKind
  /** What was changed, for the once-per-process log line. */
  readonly message: string
}

export interface RepairedRequest {
  readonly request: TurnRequest
  readonly repairs: ReadonlyArray<Repair>
  /** Thinking blocks sent without a signature (edited by the host, or never signed). */
  readonly unsignedThinking: number
}

/** The accepted value nearest to `value`. */
export const nearestAccepted = (value: number, range: AcceptedRange): number => {
  if (value > range.max) return range.max
  if (range.minExcluded ? value <= range.min : value < range.min) return range.minExcluded ? range.min + range.step : range.min
  return value
}

const repairTool = (tool: Tool): Tool | undefined => {
  const schema = tool.inputSchema
  if (schema.type !== undefined && schema.properties !== undefined) return undefined
  return {
    ...tool,
    inputSchema: { ...schema, ...(schema.type === undefined ? { type: "object" } : {}), ...(schema.properties === undefined ? { properties: {} } : {}) }
  }
}

export const repairRequest = (request: TurnRequest, policy: RequestPolicy): RepairedRequest => {
  const repairs: Array<Repair> = []
  let repaired: TurnRequest = request
  for (const [kind, field, wire] of [["temperature", "temperature", "temperature"], ["topP", "topP", "top_p"]] as const) {
    const value = request[field]
    if (value === undefined) continue
    const accepted = nearestAccepted(value, policy[kind])
    if (accepted === value) continue
    repaired = { ...repaired, [field]: accepted }
    repairs.push({ kind, message: `${wire} ${value} is outside what ${policy.family.toUpperCase()} models accept; sent ${accepted} instead` })
  }
  if (request.tools !== undefined) {
    const tools = request.tools.map((tool) => repairTool(tool) ?? tool)
    const fixed = request.tools.filter((tool, i) => tools[i] !== tool).map((tool) => tool.name)
    if (fixed.length > 0) {
      repaired = { ...repaired, tools }
      repairs.push({ kind: "toolSchema", message: `tool input schemas without type "object" or properties were completed (${fixed.join(", ")})` })
    }
  }
  if (policy.thinking === "adaptive-with-effort" && request.thinking?.type === "disabled") {
    repairs.push({ kind: "thinkingDisabled", message: `${policy.family.toUpperCase()} models always think and refuse thinking disabled (2013); sent adaptive thinking at effort low instead` })
  }
  let unsignedThinking = 0
  const unsign = (block: ContentBlock): ContentBlock => {
    if (block.type !== "thinking") return block
    if (block.signature === "") {
      unsignedThinking++
      return block
    }
    if (!isMismatchedSignature(block.thinking, block.signature)) return block
    unsignedThinking++
    return { ...block, signature: "" }
  }
  const messages = request.messages.map((message): Message =>
    message.role === "assistant" && typeof message.content !== "string" && message.content.some((b) => b.type === "thinking")
      ? { ...message, content: message.content.map(unsign) }
      : message
  )
  if (unsignedThinking > 0) repaired = { ...repaired, messages }
  return { request: repaired, repairs, unsignedThinking }
}
