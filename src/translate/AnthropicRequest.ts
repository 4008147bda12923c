/**
 * The Messages request body the plugin sends MiniMax, as a type: what ./toAnthropicRequest.ts
 * returns and the client posts. snake_case, as the wire has it.
 */

export interface AnthropicCacheControl {
  readonly type: "ephemeral"
}

interface Cached {
  readonly cache_control?: AnthropicCacheControl
}

export interface AnthropicTextBlock extends Cached {
  readonly type: "text"
  readonly text: string
}

export interface AnthropicImageBlock extends Cached {
  readonly type: "image"
  readonly source: { readonly type: "base64"; readonly media_type: string; readonly data: string }
}

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | { readonly type: "thinking"; readonly thinking: string; readonly signature?: string }
  | { readonly type: "redacted_thinking"; readonly data: string }
  | Cached & { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: unknown }
  | Cached & {
    readonly type: "tool_result"
    readonly tool_use_id: string
    readonly content: string | ReadonlyArray<AnthropicTextBlock | AnthropicImageBlock>
    readonly is_error?: boolean
  }

export interface AnthropicTool extends Cached {
  readonly name: string
  readonly description?: string
  readonly input_schema: object
}

/** `adaptive` is M3's documented "on"; `enabled` with a budget is Claude's, which M2.x ignores. */
export type AnthropicThinking =
  | { readonly type: "adaptive" }
  | { readonly type: "enabled"; readonly budget_tokens?: number }
  | { readonly type: "disabled" }

export interface AnthropicRequest {
  readonly model: string
  readonly max_tokens: number
  readonly messages: ReadonlyArray<{ readonly role: "user" | "assistant"; readonly content: string | ReadonlyArray<AnthropicRequestBlock> }>
  readonly stream: true
  readonly system?: string | ReadonlyArray<AnthropicTextBlock>
  readonly tools?: ReadonlyArray<AnthropicTool>
  readonly tool_choice?: { readonly type: "auto" | "any" | "none" } | { readonly type: "tool"; readonly name: string }
  readonly temperature?: number
  readonly top_p?: number
  readonly stop_sequences?: ReadonlyArray<string>
  readonly thinking?: AnthropicThinking
  /** M3.1's reasoning effort, sent as clients send it (§8). */
  readonly output_config?: { readonly effort: "low" | "medium" | "high" | "xhigh" | "max" }
  readonly metadata?: { readonly user_id: string }
}
