/**
 * TurnRequest (camelCase, canonical) → the Anthropic Messages request body MiniMax takes, for
 * the model's family. Pure. Repairs and refusals happen before (./repairRequest.ts,
 * ./checkRequest.ts). Thinking and tool_use blocks go back exactly as received, which MiniMax's
 * interleaved thinking needs; a thinking block whose signature is "" goes without one.
 */
import type { CacheControl, ContentBlock, ImageBlock, Message, TextBlock, Tool, ToolChoice, TurnRequest } from "@plexum/sdk"
import type { RequestPolicy } from "../minimax/catalog.ts"

/** The values M3 has accepted as "thinking on": `adaptive` as documented, `enabled` after a drift (§7). */
export type ThinkingOn = "adaptive" | "enabled"

export interface AnthropicRequestOptions {
  readonly maxTokensDefault: number
  /** The family's policy; without one, thinking is passed as it came (M2.x). */
  readonly policy?: RequestPolicy | undefined
  /** What M3 is sent for "thinking on". */
  readonly thinkingOn?: ThinkingOn | undefined
}

type Json = Record<string, unknown>

const withCache = (body: Json, cacheControl: CacheControl | undefined): Json =>
  cacheControl === undefined ? body : { ...body, cache_control: { type: cacheControl.type } }

const textBlock = (block: TextBlock): Json => withCache({ type: "text", text: block.text }, block.cacheControl)

const imageBlock = (block: ImageBlock): Json =>
  withCache(
    { type: "image", source: { type: "base64", media_type: block.source.mediaType, data: block.source.data } },
    block.cacheControl
  )

export const toAnthropicBlock = (block: ContentBlock): Json => {
  switch (block.type) {
    case "text":
      return textBlock(block)
    case "thinking":
      return block.signature === ""
        ? { type: "thinking", thinking: block.thinking }
        : { type: "thinking", thinking: block.thinking, signature: block.signature }
    case "redacted_thinking":
      return { type: "redacted_thinking", data: block.data }
    case "tool_use":
      return withCache({ type: "tool_use", id: block.id, name: block.name, input: block.input ?? {} }, block.cacheControl)
    case "tool_result":
      return withCache(
        {
          type: "tool_result",
          tool_use_id: block.toolUseId,
          content: typeof block.content === "string"
            ? block.content
            : block.content.map((part) => part.type === "text" ? textBlock(part) : imageBlock(part)),
          ...(block.isError === undefined ? {} : { is_error: block.isError })
        },
        block.cacheControl
      )
    case "image":
      return imageBlock(block)
  }
}

const toAnthropicMessage = (message: Message): Json => ({
  role: message.role,
  content: typeof message.content === "string" ? message.content : message.content.map(toAnthropicBlock)
})

const toAnthropicTool = (tool: Tool): Json =>
  withCache(
    {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.inputSchema
    },
    tool.cacheControl
  )

const toAnthropicToolChoice = (choice: ToolChoice): Json =>
  choice.type === "tool" ? { type: "tool", name: choice.name } : { type: choice.type }

/**
 * The `thinking` field. M2.x thinks anyway, so the request's is passed as it came. M3 thinks
 * only when sent an "on" value, and writes Claude-style budget thinking into the visible text,
 * so "enabled" and "unset" are both sent as its "on" value, without a budget.
 */
export const thinkingFor = (request: TurnRequest, options: AnthropicRequestOptions): Json | undefined => {
  if (options.policy?.thinking === "off-unless-asked") {
    return request.thinking?.type === "disabled" ? { type: "disabled" } : { type: options.thinkingOn ?? "adaptive" }
  }
  if (request.thinking === undefined) return undefined
  return request.thinking.type === "enabled" ? { type: "enabled", budget_tokens: request.thinking.budgetTokens } : { type: "disabled" }
}

export const toAnthropicRequest = (request: TurnRequest, defaults: AnthropicRequestOptions): Json => {
  const body: Json = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaults.maxTokensDefault,
    messages: request.messages.map(toAnthropicMessage),
    stream: true
  }
  if (request.system !== undefined) {
    body.system = typeof request.system === "string" ? request.system : request.system.map(textBlock)
  }
  if (request.tools !== undefined) body.tools = request.tools.map(toAnthropicTool)
  if (request.toolChoice !== undefined) body.tool_choice = toAnthropicToolChoice(request.toolChoice)
  if (request.temperature !== undefined) body.temperature = request.temperature
  if (request.topP !== undefined) body.top_p = request.topP
  if (request.stopSequences !== undefined) body.stop_sequences = request.stopSequences
  const thinking = thinkingFor(request, defaults)
  if (thinking !== undefined) body.thinking = thinking
  if (request.metadata?.userId !== undefined) body.metadata = { user_id: request.metadata.userId }
  return body
}
