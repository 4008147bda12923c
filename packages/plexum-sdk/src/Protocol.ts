/**
 * The canonical types of the Plexum provider protocol v1 (§4 and §5), as Schemas.
 *
 * Wire JSON is camelCase. Unknown fields are ignored, and `null` counts as absent for
 * every optional field.
 */
import { Option, Schema, SchemaGetter } from "effect"

/** The protocol version this SDK speaks. */
export const PROTOCOL_VERSION = 1

/** An optional field that also accepts `null`, decoded as absent. */
export const absentWhenNull = <S extends Schema.Top>(schema: S) =>
  Schema.optionalKey(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.optionalKey(Schema.toType(schema)), {
      decode: SchemaGetter.transformOptional((value) => Option.filter(value, (v) => v !== null)),
      encode: SchemaGetter.passthrough()
    })
  )

const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/** A prompt-cache breakpoint, passed upstream as `cache_control`. */
export const CacheControl = Schema.Struct({ type: Schema.Literal("ephemeral") })
export type CacheControl = typeof CacheControl.Type

/** Text, in a message or a system prompt. */
export const TextBlock = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  cacheControl: absentWhenNull(CacheControl)
})
export type TextBlock = typeof TextBlock.Type

/** The model's reasoning with its signature; sent back unchanged so the upstream can verify it. */
export const ThinkingBlock = Schema.Struct({
  type: Schema.Literal("thinking"),
  thinking: Schema.String,
  signature: Schema.String
})
export type ThinkingBlock = typeof ThinkingBlock.Type

/** Reasoning the upstream encrypted; `data` is opaque and goes back unchanged. */
export const RedactedThinkingBlock = Schema.Struct({
  type: Schema.Literal("redacted_thinking"),
  data: Schema.String
})
export type RedactedThinkingBlock = typeof RedactedThinkingBlock.Type

/** A tool call by the assistant; `input` is the parsed JSON of its arguments (`{}` when there were none). */
export const ToolUseBlock = Schema.Struct({
  type: Schema.Literal("tool_use"),
  id: NonEmptyString,
  name: NonEmptyString,
  input: Schema.Unknown,
  cacheControl: absentWhenNull(CacheControl)
})
export type ToolUseBlock = typeof ToolUseBlock.Type

/** An image, base64-encoded; only models whose descriptor says `supports.images` take it. */
export const ImageBlock = Schema.Struct({
  type: Schema.Literal("image"),
  source: Schema.Struct({
    type: Schema.Literal("base64"),
    mediaType: Schema.String,
    data: Schema.String
  }),
  cacheControl: absentWhenNull(CacheControl)
})
export type ImageBlock = typeof ImageBlock.Type

/** The host's answer to a tool call; `toolUseId` names the `tool_use` it answers. */
export const ToolResultBlock = Schema.Struct({
  type: Schema.Literal("tool_result"),
  toolUseId: NonEmptyString,
  content: Schema.Union([Schema.String, Schema.Array(Schema.Union([TextBlock, ImageBlock]))]),
  isError: absentWhenNull(Schema.Boolean),
  cacheControl: absentWhenNull(CacheControl)
})
export type ToolResultBlock = typeof ToolResultBlock.Type

/** Any block of a message's content (§4). */
export const ContentBlock = Schema.Union([
  TextBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ToolUseBlock,
  ToolResultBlock,
  ImageBlock
])
export type ContentBlock = typeof ContentBlock.Type

/** The blocks an assistant turn produces, in the order the upstream sent them. */
export type AssistantBlock = TextBlock | ThinkingBlock | RedactedThinkingBlock | ToolUseBlock

/** One message of the conversation: plain text, or blocks. */
export const Message = Schema.Struct({
  role: Schema.Literals(["user", "assistant"]),
  content: Schema.Union([Schema.String, Schema.Array(ContentBlock)])
})
export type Message = typeof Message.Type

/** A tool the model may call; `inputSchema` is a JSON Schema object. */
export const Tool = Schema.Struct({
  name: NonEmptyString,
  description: absentWhenNull(Schema.String),
  inputSchema: Schema.Record(Schema.String, Schema.Unknown),
  cacheControl: absentWhenNull(CacheControl)
})
export type Tool = typeof Tool.Type

/** Whether and which tool the model must call. */
export const ToolChoice = Schema.Union([
  Schema.Struct({ type: Schema.Literals(["auto", "any", "none"]) }),
  Schema.Struct({ type: Schema.Literal("tool"), name: NonEmptyString })
])
export type ToolChoice = typeof ToolChoice.Type

/** Whether the model should think before answering, and with how many tokens at most. */
export const ThinkingConfig = Schema.Union([
  Schema.Struct({ type: Schema.Literal("enabled"), budgetTokens: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) }),
  Schema.Struct({ type: Schema.Literal("disabled") })
])
export type ThinkingConfig = typeof ThinkingConfig.Type

/** The params of `provider/turn` besides `turnId`: the conversation and how to answer it. */
export const TurnRequest = Schema.Struct({
  model: NonEmptyString,
  system: absentWhenNull(Schema.Union([Schema.String, Schema.Array(TextBlock)])),
  messages: Schema.Array(Message),
  tools: absentWhenNull(Schema.Array(Tool)),
  toolChoice: absentWhenNull(ToolChoice),
  maxTokens: absentWhenNull(Schema.Int.check(Schema.isGreaterThan(0))),
  temperature: absentWhenNull(Schema.Finite),
  topP: absentWhenNull(Schema.Finite),
  stopSequences: absentWhenNull(Schema.Array(Schema.String)),
  thinking: absentWhenNull(ThinkingConfig),
  metadata: absentWhenNull(Schema.Struct({ userId: absentWhenNull(Schema.String) }))
})
export type TurnRequest = typeof TurnRequest.Type

/** Token counts of a turn, cumulative so far. */
export const Usage = Schema.Struct({
  inputTokens: Schema.Number,
  outputTokens: Schema.Number,
  cacheReadInputTokens: Schema.optionalKey(Schema.Number),
  cacheCreationInputTokens: Schema.optionalKey(Schema.Number),
  /** The plugin's estimate of the turn's pay-as-you-go price in USD; absent when unknown or billed to a plan (§6, December 2026). */
  costUsd: Schema.optionalKey(Schema.Number)
})
export type Usage = typeof Usage.Type

/** The stop reasons the protocol names. Hosts must also tolerate other strings. */
export const KNOWN_STOP_REASONS = ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"] as const
/** A stop reason the protocol names. */
export type KnownStopReason = typeof KNOWN_STOP_REASONS[number]
/** Why a turn stopped: a known reason, or any other string the upstream sent (hosts must tolerate it). */
export const StopReason = Schema.String
/** A stop reason: known, or any string. */
export type StopReason = KnownStopReason | (string & {})

/** What `block_start` says of the block it opens. */
export const BlockStartBlock = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("thinking") }),
  Schema.Struct({ type: Schema.Literal("redacted_thinking"), data: Schema.String }),
  Schema.Struct({ type: Schema.Literal("tool_use"), id: Schema.String, name: Schema.String })
])
export type BlockStartBlock = typeof BlockStartBlock.Type

/** One event of a turn, carried by a `turn/event` notification (§4). */
export const TurnEvent = Schema.Union([
  Schema.Struct({ type: Schema.Literal("turn_start"), messageId: Schema.String, model: Schema.String }),
  Schema.Struct({ type: Schema.Literal("block_start"), index: Schema.Int, block: BlockStartBlock }),
  Schema.Struct({ type: Schema.Literal("text_delta"), index: Schema.Int, text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("thinking_delta"), index: Schema.Int, thinking: Schema.String }),
  Schema.Struct({ type: Schema.Literal("signature_delta"), index: Schema.Int, signature: Schema.String }),
  Schema.Struct({ type: Schema.Literal("tool_input_delta"), index: Schema.Int, partialJson: Schema.String }),
  Schema.Struct({ type: Schema.Literal("block_stop"), index: Schema.Int, block: ContentBlock }),
  Schema.Struct({ type: Schema.Literal("usage"), usage: Usage }),
  Schema.Struct({
    type: Schema.Literal("turn_stop"),
    stopReason: StopReason,
    stopSequence: Schema.optionalKey(Schema.String),
    usage: Usage
  })
])
export type TurnEvent = typeof TurnEvent.Type

/** The response to `provider/turn`: how it stopped, its usage, and the assistant message to send back next time. */
export const TurnResult = Schema.Struct({
  turnId: Schema.String,
  stopReason: StopReason,
  stopSequence: Schema.optionalKey(Schema.String),
  usage: Usage,
  content: Schema.Array(ContentBlock)
})
export type TurnResult = typeof TurnResult.Type

/** A model the plugin serves, as `initialize` and `provider/models` list it. */
export const ModelDescriptor = Schema.Struct({
  id: NonEmptyString,
  displayName: Schema.String,
  contextWindow: Schema.Int.check(Schema.isGreaterThan(0)),
  maxOutputTokens: Schema.Int.check(Schema.isGreaterThan(0)),
  supports: Schema.Struct({ thinking: Schema.Boolean, tools: Schema.Boolean, images: Schema.Boolean }),
  note: Schema.optionalKey(Schema.String)
})
export type ModelDescriptor = typeof ModelDescriptor.Type

/** The tags a `ProviderFailure` can carry (§5). */
export const FAILURE_TAGS = [
  "ConfigInvalid",
  "AuthFailed",
  "InsufficientBalance",
  "ModelNotInPlan",
  "RateLimited",
  "Overloaded",
  "InvalidRequest",
  "ContextTooLong",
  "ContentFiltered",
  "UpstreamUnavailable",
  "UpstreamProtocol",
  "Timeout",
  "UpstreamError",
  /** A spending limit of the plugin's own config was reached (§6, December 2026). */
  "BudgetExceeded"
] as const
/** One of FAILURE_TAGS. */
export const FailureTag = Schema.Literals(FAILURE_TAGS)
export type FailureTag = typeof FailureTag.Type

/** What the upstream itself said about a failure: its HTTP status, its own code, type, message and request id. */
export const UpstreamDetails = Schema.Struct({
  httpStatus: Schema.optionalKey(Schema.Int),
  code: Schema.optionalKey(Schema.Int),
  type: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  requestId: Schema.optionalKey(Schema.String)
})
export type UpstreamDetails = typeof UpstreamDetails.Type

/** `data` of a -32001 error: why a turn failed, and what the person can do about it. */
export const ProviderFailure = Schema.Struct({
  tag: FailureTag,
  message: Schema.String,
  retryable: Schema.Boolean,
  retryAfterMs: Schema.optionalKey(Schema.Number),
  hint: Schema.optionalKey(Schema.String),
  upstream: Schema.optionalKey(UpstreamDetails)
})
export type ProviderFailure = typeof ProviderFailure.Type

/** The params of `initialize`. */
export const InitializeParams = Schema.Struct({
  protocolVersion: Schema.Number,
  host: absentWhenNull(Schema.Struct({ name: Schema.String, version: Schema.String })),
  pluginDir: absentWhenNull(Schema.String)
})
export type InitializeParams = typeof InitializeParams.Type

/** The result of `initialize`: who the plugin is and the models it serves. */
export const InitializeResult = Schema.Struct({
  protocolVersion: Schema.Literal(PROTOCOL_VERSION),
  plugin: Schema.Struct({ id: Schema.String, version: Schema.String }),
  kind: Schema.Literal("provider"),
  models: Schema.Array(ModelDescriptor)
})
export type InitializeResult = typeof InitializeResult.Type

/** The params of `provider/turn`. */
export const TurnParams = Schema.Struct({ turnId: NonEmptyString, request: TurnRequest })
export type TurnParams = typeof TurnParams.Type

/** The params of the `$/cancel` notification. */
export const CancelParams = Schema.Struct({ turnId: Schema.String })

/** The params of a `turn/event` notification: the turn, the event's number in it (from 0, rising by 1), the event. */
export const TurnEventParams = Schema.Struct({ turnId: Schema.String, seq: Schema.Int, event: TurnEvent })
export type TurnEventParams = typeof TurnEventParams.Type

/** JSON-RPC error codes of §5. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  NotInitialized: -32002,
  Cancelled: -32800,
  ProviderFailure: -32001
} as const
/** One of the JSON-RPC error codes the protocol uses. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode]

/** One problem in a rejected params object; `path` is relative to `params`, e.g. `request.messages[0].role`. */
export interface ParamIssue {
  readonly path: string
  readonly message: string
}
