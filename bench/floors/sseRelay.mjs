// What both floors do with the upstream's SSE, as little as a relay can: text in as it arrives, split
// into lines, `data:` lines JSON.parse'd, the turn's events out (consecutive deltas of a block in one
// read joined), each block kept whole for its `block_stop`. No validation and no repairs.

/** A relay for one response: `feed(text)` gives the events of that text; `result()` the turn's blocks, stop reason and usage. */
export const makeSseRelay = () => {
  let rest = ""
  let stopReason = "end_turn"
  const blocks = []
  const usage = { inputTokens: 0, outputTokens: 0 }
  const feed = (text) => {
    const events = []
    const lines = (rest + text).split("\n")
    rest = lines.pop()
    for (const sse of lines) {
      if (!sse.startsWith("data:")) continue
      const event = JSON.parse(sse.slice(5))
      const last = events.at(-1)
      switch (event.type) {
        case "message_start":
          usage.inputTokens = event.message.usage?.input_tokens ?? 0
          events.push({ type: "turn_start", messageId: event.message.id, model: event.message.model })
          break
        case "content_block_start":
          blocks[event.index] = event.content_block.type === "thinking"
            ? { type: "thinking", thinking: event.content_block.thinking ?? "", signature: event.content_block.signature ?? "" }
            : { ...event.content_block }
          events.push({ type: "block_start", index: event.index, block: { ...blocks[event.index] } })
          break
        case "content_block_delta": {
          const block = blocks[event.index]
          const delta = event.delta
          if (delta.type === "text_delta") {
            block.text += delta.text
            if (last?.type === "text_delta" && last.index === event.index) last.text += delta.text
            else events.push({ type: "text_delta", index: event.index, text: delta.text })
          } else if (delta.type === "thinking_delta") {
            block.thinking += delta.thinking
            if (last?.type === "thinking_delta" && last.index === event.index) last.thinking += delta.thinking
            else events.push({ type: "thinking_delta", index: event.index, thinking: delta.thinking })
          } else if (delta.type === "signature_delta") {
            block.signature = delta.signature
            events.push({ type: "signature_delta", index: event.index, signature: delta.signature })
          }
          break
        }
        case "content_block_stop":
          events.push({ type: "block_stop", index: event.index, block: blocks[event.index] })
          break
        case "message_delta":
          stopReason = event.delta?.stop_reason ?? stopReason
          usage.outputTokens = event.usage?.output_tokens ?? 0
          break
        case "message_stop":
          events.push({ type: "turn_stop", stopReason, usage })
          break
      }
    }
    return events
  }
  return { feed, result: () => ({ stopReason, usage, content: blocks }) }
}
