/**
 * What a TurnRequest must satisfy before anything is sent upstream, beyond its Schema. Each
 * refusal is an InvalidRequest naming the path and what to do, instead of a silent wrong
 * answer (an unknown model id is served by the account's default model) or MiniMax's 2013.
 * Pure.
 */
import type { ContentBlock, TurnRequest } from "@plexum/sdk"
import { type Catalog, findModel } from "../minimax/catalog.ts"
import { InvalidRequest } from "../failures/MinimaxFailure.ts"

/**
 * The stop sequences a turn may carry, in characters all told. Matching is linear in the text
 * whatever their number (one automaton), but the automaton's size follows this total.
 */
export const MAX_STOP_SEQUENCE_CHARS = 65_536

const refuse = (message: string, hint: string) => new InvalidRequest({ message, retryable: false, hint })

/** Paths of image blocks in a message's content, tool results included. */
const imagePaths = (content: ReadonlyArray<ContentBlock>, at: string): Array<string> =>
  content.flatMap((block, j) => {
    if (block.type === "image") return [`${at}[${j}]`]
    if (block.type === "tool_result" && typeof block.content !== "string") {
      return block.content.flatMap((part, k) => part.type === "image" ? [`${at}[${j}].content[${k}]`] : [])
    }
    return []
  })

/** The refusal for `request`, or undefined when it may be sent. */
export const checkRequest = (request: TurnRequest, catalog: Catalog): InvalidRequest | undefined => {
  const model = findModel(catalog, request.model)
  if (model === undefined) {
    const known = catalog.map((m) => m.descriptor.id).join(", ")
    return refuse(
      `request.model: ${request.model} is not a model this plugin knows; MiniMax would answer it silently with the account's default model`,
      `Use one of: ${known}. To use another MiniMax model, add it to "models" in config.json ` +
        `(a ModelDescriptor with "family": "m3" or "m2").`
    )
  }
  if (!model.descriptor.supports.images) {
    const images = request.messages.flatMap((message, i) =>
      typeof message.content === "string" ? [] : imagePaths(message.content, `request.messages[${i}].content`)
    )
    if (images.length > 0) {
      const takers = catalog.filter((m) => m.descriptor.supports.images).map((m) => m.descriptor.id)
      return refuse(
        `${images[0]}: ${request.model} takes text only, and this request has ${images.length} image block(s)`,
        takers.length === 0 ? "Remove the image blocks." : `Remove the image blocks, or use a model that takes images: ${takers.join(", ")}.`
      )
    }
  }
  for (let i = 0; i < request.messages.length; i++) {
    const content = request.messages[i]!.content
    if (typeof content === "string") continue
    const previous = request.messages[i - 1]
    const answerable = new Set(
      previous?.role === "assistant" && typeof previous.content !== "string"
        ? previous.content.flatMap((block) => block.type === "tool_use" ? [block.id] : [])
        : []
    )
    for (let j = 0; j < content.length; j++) {
      const block = content[j]!
      if (block.type === "tool_result" && !answerable.has(block.toolUseId)) {
        return refuse(
          `request.messages[${i}].content[${j}].toolUseId: ${block.toolUseId} is not the id of a tool_use in the assistant message just before it`,
          "Every tool_result must answer a tool_use of the previous assistant message, sent back unchanged; MiniMax refuses it otherwise (2013)."
        )
      }
    }
  }
  const total = (request.stopSequences ?? []).reduce((sum, sequence) => sum + sequence.length, 0)
  if (total > MAX_STOP_SEQUENCE_CHARS) {
    return refuse(
      `request.stopSequences holds ${total} characters; the plugin matches at most ${MAX_STOP_SEQUENCE_CHARS}`,
      "Send fewer or shorter stop sequences."
    )
  }
  return undefined
}
