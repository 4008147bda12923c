// Floor: plain Node, no Effect. It answers `initialize` with a static model list; after it, does
// what the plugin's default config starts (one GET of the model list, the SQLite ledger opened);
// a turn is a POST with node:http whose SSE goes through ./sseRelay.mjs, each read's events written
// as one batch of `turn/event` lines. No validation, no repairs, no failures handled.
import { makeSseRelay } from "./sseRelay.mjs"

const { readFileSync } = process.getBuiltinModule("node:fs")
const { join } = process.getBuiltinModule("node:path")

const configDir = join(process.env.PLEXUM_HOME, "plugins", "plexum-minimax-provider")
const config = JSON.parse(readFileSync(join(configDir, "config.json"), "utf8"))
const models = [{ id: "MiniMax-M2.7", displayName: "MiniMax M2.7", contextWindow: 204800, maxOutputTokens: 131072, supports: { thinking: true, tools: true, images: false } }]
const headers = { authorization: `Bearer ${config.api_key}`, "content-type": "application/json" }
let http
const httpClient = () => http ??= process.getBuiltinModule("node:http")

const line = (message) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`

const afterInitialize = () => {
  httpClient().get(`${config.base_url}/v1/models`, { headers }, (response) => response.resume()).on("error", () => {})
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite")
  const ledger = new DatabaseSync(join(configDir, "floor-ledger.db"))
  ledger.exec("PRAGMA journal_mode = WAL")
  ledger.exec("CREATE TABLE IF NOT EXISTS turns (id TEXT)")
}

const relayTurn = (id, { turnId, request }) => {
  let seq = 0
  const relay = makeSseRelay()
  const upstream = httpClient().request(`${config.base_url}/v1/messages`, { method: "POST", headers }, (response) => {
    response.setEncoding("utf8")
    response.on("data", (text) => {
      const events = relay.feed(text)
      if (events.length === 0) return
      const room = process.stdout.write(events.map((event) => line({ method: "turn/event", params: { turnId, seq: seq++, event } })).join(""))
      if (!room) {
        response.pause()
        process.stdout.once("drain", () => response.resume())
      }
    })
    response.on("end", () => process.stdout.write(line({ id, result: { turnId, ...relay.result() } })))
  })
  upstream.end(JSON.stringify({ model: request.model, max_tokens: 4096, stream: true, messages: request.messages }))
}

let pending = ""
process.stdin.setEncoding("utf8")
process.stdin.on("data", (text) => {
  const lines = (pending + text).split("\n")
  pending = lines.pop()
  for (const each of lines) {
    if (each.trim() === "") continue
    const message = JSON.parse(each)
    if (message.method === "initialize") {
      process.stdout.write(line({ id: message.id, result: { protocolVersion: 1, plugin: { id: "floor-bare-node", version: "0" }, kind: "provider", models } }))
      setTimeout(afterInitialize, 20)
    } else if (message.method === "provider/turn") relayTurn(message.id, message.params)
    else if (message.method === "shutdown") {
      process.stdout.write(line({ id: message.id, result: null }), () => process.exit(0))
    } else if (message.id !== undefined) process.stdout.write(line({ id: message.id, result: {} }))
  }
})
process.stdin.on("end", () => process.exit(0))
