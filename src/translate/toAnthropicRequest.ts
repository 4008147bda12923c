/**
 * TurnRequest (camelCase, canonical) → the Anthropic Messages request body MiniMax takes, for
 * the model's family. Pure. Repairs and refusals happen before (./repairRequest.ts,
 * ./checkRequest.ts). Thinking and tool_use blocks go back exactly as received, which MiniMax's
 * interleaved thinking needs; a thinking block whose signature is "" goes without one.
 */
import type { CacheControl, ContentBlock, ImageBlock, Message, TextBlock, Tool, ToolChoice, TurnRequest } from "@plexum/sdk"
import type { Effort, RequestPolicy } from "../minimax/catalog.ts"
import type {
  AnthropicCacheControl,
  AnthropicImageBlock,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicThinking,
  AnthropicTool
} from "./AnthropicRequest.ts"

/** The values M3 has accepted as "thinking on": `adaptive` as documented, `enabled` after a drift (§7). */
export type ThinkingOn = "adaptive" | "enabled"

export interface AnthropicRequestOptions {
  readonly maxTokensDefault: number
  /** The family's policy; without one, thinking is passed as it came (M2.x). */
  readonly policy?: RequestPolicy | undefined
  /** What M3 is sent for "thinking on". */
  readonly thinkingOn?: ThinkingOn | undefined
  /** M3.1's effort when the request's thinking says none (config `models[].effort`); undefined: MiniMax's default. */
  readonly defaultEffort?: Effort | undefined
  /** False once MiniMax refused `output_config` for the model: no effort is sent. */
  readonly sendEffort?: boolean | undefined
}

/**
 * A thinking budget as M3.1's effort level: the budget a level roughly spends. `disabled` is
 * `low` (M3.1 cannot stop thinking; low is the least it does).
 */
export const effortOfBudget = (budgetTokens: number): Effort =>
  budgetTokens <= 2_048 ? "low" : budgetTokens <= 8_192 ? "medium" : budgetTokens <= 16_384 ? "high" : budgetTokens <= 32_768 ? "xhigh" : "max"

/** The effort sent to M3.1, or undefined to send none. */
export const effortFor = (request: TurnRequest, options: AnthropicRequestOptions): Effort | undefined => {
  if (options.policy?.thinking !== "adaptive-with-effort" || options.sendEffort === false) return undefined
  if (request.thinking?.type === "disabled") return "low"
  if (request.thinking?.type === "enabled") return effortOfBudget(request.thinking.budgetTokens)
  return options.defaultEffort
}

const withCache = <B extends object>(body: B, cacheControl: CacheControl | undefined): B & { readonly cache_control?: AnthropicCacheControl } =>
  cacheControl === undefined ? body : { ...body, cache_control: { type: cacheControl.type } }

const textBlock = (block: TextBlock): AnthropicTextBlock => withCache({ type: "text", text: block.text }, block.cacheControl)

const imageBlock = (block: ImageBlock): AnthropicImageBlock =>
  withCache(
    { type: "image", source: { type: "base64", media_type: block.source.mediaType, data: block.source.data } },
    block.cacheControl
  )

export const toAnthropicBlock = (block: ContentBlock): AnthropicRequestBlock => {
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

const toAnthropicMessage = (message: Message): AnthropicRequest["messages"][number] => ({
  role: message.role,
  content: typeof message.content === "string" ? message.content : message.content.map(toAnthropicBlock)
})

const toAnthropicTool = (tool: Tool): AnthropicTool =>
  withCache(
    {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.inputSchema
    },
    tool.cacheControl
  )

const toAnthropicToolChoice = (choice: ToolChoice): NonNullable<AnthropicRequest["tool_choice"]> =>
  choice.type === "tool" ? { type: "tool", name: choice.name } : { type: choice.type }

/**
 * The `thinking` field. M2.x thinks anyway, so the request's is passed as it came. M3 thinks
 * only when sent an "on" value, and writes Claude-style budget thinking into the visible text,
 * so "enabled" and "unset" are both sent as its "on" value, without a budget.
 */
export const thinkingFor = (request: TurnRequest, options: AnthropicRequestOptions): AnthropicThinking | undefined => {
  // M3.1 refuses `disabled` (2013, §8): it always thinks, and its effort says how much.
  if (options.policy?.thinking === "adaptive-with-effort") return { type: "adaptive" }
  if (options.policy?.thinking === "off-unless-asked") {
    return request.thinking?.type === "disabled" ? { type: "disabled" } : { type: options.thinkingOn ?? "adaptive" }
  }
  if (request.thinking === undefined) return undefined
  return request.thinking.type === "enabled" ? { type: "enabled", budget_tokens: request.thinking.budgetTokens } : { type: "disabled" }
}

export const toAnthropicRequest = (request: TurnRequest, defaults: AnthropicRequestOptions): AnthropicRequest => {
  const thinking = thinkingFor(request, defaults)
  const effort = effortFor(request, defaults)
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? defaults.maxTokensDefault,
    messages: request.messages.map(toAnthropicMessage),
    stream: true,
    ...(request.system === undefined ? {} : { system: typeof request.system === "string" ? request.system : request.system.map(textBlock) }),
    ...(request.tools === undefined ? {} : { tools: request.tools.map(toAnthropicTool) }),
    ...(request.toolChoice === undefined ? {} : { tool_choice: toAnthropicToolChoice(request.toolChoice) }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.stopSequences === undefined ? {} : { stop_sequences: request.stopSequences }),
    ...(thinking === undefined ? {} : { thinking }),
    ...(effort === undefined ? {} : { output_config: { effort } }),
    ...(request.metadata?.userId === undefined ? {} : { metadata: { user_id: request.metadata.userId } })
  }
}
