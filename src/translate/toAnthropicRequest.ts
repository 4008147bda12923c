/**
 * TurnRequest (camelCase, canonical) → the Anthropic Messages request body MiniMax takes.
 * Pure. Values are passed through, never clamped: MiniMax's own 2013 answer comes back as
 * InvalidRequest, with a hint. Thinking and tool_use blocks go back exactly as received,
 * which MiniMax's interleaved thinking needs.
 */
import type { CacheControl, ContentBlock, ImageBlock, Message, TextBlock, Tool, ToolChoice, TurnRequest } from "@plexum/sdk"

export interface AnthropicRequestDefaults {
  readonly maxTokensDefault: number
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
      return { type: "thinking", thinking: block.thinking, signature: block.signature }
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

export const toAnthropicRequest = (request: TurnRequest, defaults: AnthropicRequestDefaults): Json => {
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
  if (request.thinking !== undefined) {
    body.thinking = request.thinking.type === "enabled"
      ? { type: "enabled", budget_tokens: request.thinking.budgetTokens }
      : { type: "disabled" }
  }
  if (request.metadata?.userId !== undefined) body.metadata = { user_id: request.metadata.userId }
  return body
}
