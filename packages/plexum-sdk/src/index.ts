/**
 * `@plexum/sdk`: the Plexum provider plugin protocol v1, for plugins and for hosts.
 *
 * - The canonical types (§4) and `ProviderFailure` (§5), as Schemas with their types.
 * - `ProviderPlugin`: what a provider implements; `serve` runs it over a transport (stdio by
 *   default, or the in-memory one for tests).
 * - `@plexum/sdk/host`: a test host that spawns a plugin and drives it.
 */
export {
  absentWhenNull,
  type AssistantBlock,
  BlockStartBlock,
  CacheControl,
  CancelParams,
  ContentBlock,
  ErrorCode,
  FAILURE_TAGS,
  FailureTag,
  ImageBlock,
  InitializeParams,
  InitializeResult,
  KNOWN_STOP_REASONS,
  type KnownStopReason,
  Message,
  ModelDescriptor,
  type ParamIssue,
  PROTOCOL_VERSION,
  ProviderFailure,
  RedactedThinkingBlock,
  StopReason,
  TextBlock,
  ThinkingBlock,
  ThinkingConfig,
  Tool,
  ToolChoice,
  ToolResultBlock,
  ToolUseBlock,
  TurnEvent,
  TurnEventParams,
  TurnParams,
  TurnRequest,
  TurnResult,
  UpstreamDetails,
  Usage
} from "./Protocol.ts"
export { type ProviderPlugin, type TurnContext, type TurnFailure, toProviderFailure } from "./Plugin.ts"
export { decodeParams, type Dispatcher, makeDispatcher, serve } from "./Server.ts"
export { linesOf, makeMemoryTransport, makeStdioTransport, type MemoryTransport, type Transport } from "./Transport.ts"
export {
  errorLine,
  type IncomingMessage,
  makeLineSplitter,
  notificationLine,
  parseLine,
  type RequestId,
  responseLine,
  turnEventLine
} from "./Framing.ts"
export { emptyTurnResultFold, foldTurnEvents, type TurnResultFold, turnResultOf } from "./TurnResultFold.ts"
export { isRawJson, parseJsonExact, type RawJson } from "./ExactJson.ts"
export { formatPluginLogFmt, layerStderrLogger, logfmtValue, logLevelFromEnv } from "./Logging.ts"
