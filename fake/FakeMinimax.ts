/**
 * A fake MiniMax Anthropic-compatible endpoint on loopback, behaving as minimax-upstream.md
 * describes: Bearer auth with MiniMax's 401 body, key kinds (sk-cp- has no highspeed: 2061;
 * an empty sk-api- balance: 1008), MiniMax's error envelope, a 404 page without /v1, and
 * scripted streams delivered in chunks of any size, with stalls and cut connections. Models as
 * in §7: M3 thinks only when sent the accepted "on" value (a switch makes that `enabled` only),
 * images on M3 only, temperature by family, signed thinking checked as SHA-256, and an unknown
 * model id answered by the account's default model.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { defaultTranscript, encodeSse, hex, sha256Hex, type SseFrame, textOnly } from "./transcripts.ts"

/** The models the fake serves; any other id is answered by DEFAULT_MODEL, as MiniMax does (§7). */
export const FAKE_MODELS = [
  "MiniMax-M3.1-Flash-Preview",
  "MiniMax-M3",
  "MiniMax-M3[1m]",
  "MiniMax-M2.7",
  "MiniMax-M2.7-highspeed",
  "MiniMax-M2.5",
  "MiniMax-M2.5-highspeed",
  "MiniMax-M2.1",
  "MiniMax-M2.1-highspeed",
  "MiniMax-M2"
]
export const DEFAULT_MODEL = "MiniMax-M2.7"

export type Reply =
  | {
    readonly kind: "sse"
    readonly frames?: ReadonlyArray<SseFrame>
    /** Raw SSE text, sent as is (takes precedence over frames). */
    readonly raw?: string
    readonly lineEnding?: "\n" | "\r\n" | "\r"
    /** Bytes per write; default: all at once. */
    readonly chunkSize?: number
    /** Pause between writes. */
    readonly delayMs?: number
    /** Stop writing (but keep the connection open) after this many bytes. */
    readonly stallAfterBytes?: number
    /** Destroy the socket after this many bytes. */
    readonly cutAfterBytes?: number
    /** Write one frame every `paceMs` (ignores chunkSize), recording each write's time. */
    readonly paceMs?: number
  }
  | { readonly kind: "error"; readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
  /** Never send response headers. */
  | { readonly kind: "hang" }
  /** A 200 event stream that sends one byte of `text` every `everyMs`, never finishing a line (a trickling proxy). */
  | { readonly kind: "trickle"; readonly everyMs: number; readonly text?: string }
  /** An error status whose body never ends; `record.bytesWritten` counts what was sent. */
  | { readonly kind: "endless"; readonly status: number }
  /** Close the connection before any response. */
  | { readonly kind: "reset" }

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly rawBody: string
  readonly body: any
  /** Set when the client closed the connection before the reply was complete. */
  closedByClient: boolean
  finished: boolean
  /** `performance.now()` when the last byte of a streamed reply was written. */
  finishedAt?: number
  /** `performance.now()` of each paced frame write. */
  readonly frameWrites: Array<number>
  /** Body bytes written so far (endless replies). */
  bytesWritten: number
}

export interface FakeMinimaxOptions {
  readonly port?: number
  /** "bearer" (the usual) or "x-api-key" (accounts that get the mirror 401 since May 2026). */
  readonly authField?: "bearer" | "x-api-key"
  /** Which keys this region knows; default: any key starting with sk-. */
  readonly acceptKey?: (key: string) => boolean
  /** Keys whose pay-per-token balance is zero; default: sk-api- keys containing "empty". */
  readonly emptyBalance?: (key: string) => boolean
  /** M3's accepted "thinking on" value: "adaptive" (documented) or "enabled" (the July 2026 drift). */
  readonly m3ThinkingOn?: "adaptive" | "enabled"
  /** Which body `/v1/token_plan/remains` serves: "new" (since June 2026, percentages) or "old" (counts). */
  readonly quotaFormat?: "new" | "old"
  /** The time the quota windows are built around (epoch ms); default now. */
  readonly quotaNow?: number
  /**
   * Per-key behaviour, asked for every Messages request a key the fake accepts makes: a reply to
   * play instead of the usual one (a plan spent until a time, a key without balance, a key
   * refused for one model), or undefined for the usual answer.
   */
  readonly keyReply?: (key: string, model: string) => Reply | undefined
  /** Per-key quota answers (a spent plan's remains), or undefined for the usual one. */
  readonly keyQuota?: (key: string) => QuotaReply | undefined
  /** M3.1 refuses `output_config` (in case the one source for it is wrong, §8 [U]). */
  readonly refuseEffortField?: boolean
  /** The ids `GET /anthropic/v1/models` lists, in pages of `limit` (default 20); default FAKE_MODELS. Undefined entry: the path is a 404. */
  readonly modelList?: ReadonlyArray<string> | "absent"
}

/** How `/v1/token_plan/remains` answers instead of the usual body. */
export type QuotaReply =
  /** A 200 JSON body, as given. */
  | { readonly kind: "json"; readonly body: unknown }
  /** 200 headers and the first `bytes` of `body`, then silence with the connection open. */
  | { readonly kind: "stall"; readonly body: unknown; readonly bytes: number }
  /** No response headers, ever. */
  | { readonly kind: "hang" }

export interface FakeMinimax {
  readonly url: string
  /** The base_url to configure: `${url}/anthropic`. */
  readonly baseUrl: string
  /** Messages and quota requests, in order. */
  readonly requests: Array<RecordedRequest>
  /** Model list requests (the plugin reads the list after `initialize`), kept apart. */
  readonly modelListRequests: Array<RecordedRequest>
  /** Replies to play, in order, for the next Messages requests; then the default transcript. */
  readonly script: (...replies: Array<Reply>) => void
  /** How every quota request is answered from now on; undefined restores the usual body. */
  readonly quotaReply: (reply: QuotaReply | undefined) => void
  /** Changes which header the fake wants and M3's "thinking on" value while it runs (MiniMax has drifted on both). */
  readonly reconfigure: (changes: Pick<FakeMinimaxOptions, "authField" | "m3ThinkingOn">) => void
  /** Connections currently open. */
  readonly openConnections: () => number
  readonly close: () => Promise<void>
}

const HOUR = 3_600_000

/** A Token Plan's remains, in either body format of §6, with windows around `now`. */
export const quotaBody = (format: "new" | "old", now: number) => {
  const windowStart = now - 2 * HOUR - 46 * 60_000
  const weekStart = now - 3 * 24 * HOUR
  if (format === "old") {
    return {
      base_resp: { status_code: 0, status_msg: "success" },
      model_remains: [{
        model_name: "MiniMax-M*",
        start_time: windowStart,
        end_time: windowStart + 5 * HOUR,
        remains_time: windowStart + 5 * HOUR - now,
        current_interval_total_count: 1500,
        current_interval_usage_count: 228,
        current_weekly_total_count: 0,
        current_weekly_usage_count: 0,
        weekly_start_time: weekStart,
        weekly_end_time: weekStart + 7 * 24 * HOUR,
        weekly_remains_time: weekStart + 7 * 24 * HOUR - now
      }]
    }
  }
  return {
    model_remains: [
      {
        model_name: "video",
        current_interval_status: 3,
        current_weekly_status: 3,
        current_interval_total_count: 0,
        current_weekly_total_count: 0,
        current_interval_remaining_percent: 100,
        current_weekly_remaining_percent: 100,
        start_time: now - 10 * HOUR,
        end_time: now + 14 * HOUR,
        remains_time: 14 * HOUR
      },
      {
        start_time: windowStart,
        end_time: windowStart + 5 * HOUR,
        remains_time: windowStart + 5 * HOUR - now,
        current_interval_total_count: 0,
        current_interval_usage_count: 0,
        model_name: "general",
        current_weekly_total_count: 0,
        current_weekly_usage_count: 0,
        weekly_start_time: weekStart,
        weekly_end_time: weekStart + 7 * 24 * HOUR,
        weekly_remains_time: weekStart + 7 * 24 * HOUR - now,
        current_interval_status: 2,
        current_interval_remaining_percent: 0,
        current_weekly_status: 1,
        current_weekly_remaining_percent: 61,
        weekly_boost_permille: 1500,
        some_future_field: { x: 1 }
      }
    ],
    base_resp: { status_code: 0, status_msg: "success" }
  }
}

export const minimaxError = (httpStatus: number, type: string, message: string) => ({
  type: "error",
  error: { type, message, http_code: String(httpStatus) },
  request_id: hex(`req:${message}`, 32)
})

const AUTH_MESSAGES = {
  bearer: "login fail: Please carry the API secret key in the 'Authorization' field of the request header, using the 'Bearer' authentication scheme. (1004)",
  "x-api-key": "login fail: Please carry the API secret key in the 'X-Api-Key' field of the request header (1004)"
}

const keyOf = (request: IncomingMessage, field: "bearer" | "x-api-key"): string | undefined => {
  if (field === "x-api-key") return typeof request.headers["x-api-key"] === "string" ? request.headers["x-api-key"] : undefined
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")
  return match?.[1]
}

const lastUserText = (body: any): string => {
  const messages: Array<any> = Array.isArray(body?.messages) ? body.messages : []
  const last = [...messages].reverse().find((m) => m?.role === "user")
  if (last === undefined) return ""
  if (typeof last.content === "string") return last.content
  const texts = (Array.isArray(last.content) ? last.content : []).filter((b: any) => b?.type === "text").map((b: any) => b.text)
  return texts.join(" ") || "(tool result)"
}

export const startFakeMinimax = (options: FakeMinimaxOptions = {}): Promise<FakeMinimax> => {
  const drift = { authField: options.authField ?? "bearer", m3ThinkingOn: options.m3ThinkingOn ?? "adaptive" }
  let quotaOverride: QuotaReply | undefined
  const acceptKey = options.acceptKey ?? ((key: string) => key.startsWith("sk-"))
  const emptyBalance = options.emptyBalance ?? ((key: string) => key.startsWith("sk-api-") && key.includes("empty"))
  const requests: Array<RecordedRequest> = []
  const modelListRequests: Array<RecordedRequest> = []
  const scripted: Array<Reply> = []
  const sockets = new Set<Socket>()

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body)
    response.writeHead(status, {
      "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "trace-id": hex(`trace:${requests.length}`, 32),
      ...headers
    })
    response.end(text)
  }

  const playSse = (request: IncomingMessage, response: ServerResponse, record: RecordedRequest, reply: Extract<Reply, { kind: "sse" }>) => {
    if (reply.paceMs !== undefined) return playPaced(response, record, reply.frames ?? [], reply.paceMs)
    const text = reply.raw ?? encodeSse(reply.frames ?? [], reply.lineEnding)
    const bytes = Buffer.from(text, "utf8")
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "trace-id": hex(`trace:${requests.length}`, 32) })
    response.flushHeaders()
    const chunkSize = reply.chunkSize ?? bytes.length
    const limit = Math.min(bytes.length, reply.stallAfterBytes ?? Infinity, reply.cutAfterBytes ?? Infinity)
    let offset = 0
    const writeNext = () => {
      if (record.closedByClient) return
      if (offset >= limit) {
        if (reply.cutAfterBytes !== undefined && reply.cutAfterBytes <= bytes.length) request.socket.destroy()
        else if (reply.stallAfterBytes === undefined || reply.stallAfterBytes >= bytes.length) {
          record.finished = true
          record.finishedAt = performance.now()
          response.end()
        }
        return
      }
      const end = Math.min(offset + chunkSize, limit)
      const ok = response.write(bytes.subarray(offset, end))
      offset = end
      const next = () => (reply.delayMs ? setTimeout(writeNext, reply.delayMs) : setImmediate(writeNext))
      if (ok) next()
      else response.once("drain", next)
    }
    writeNext()
  }

  const playPaced = (response: ServerResponse, record: RecordedRequest, frames: ReadonlyArray<SseFrame>, paceMs: number) => {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
    response.flushHeaders()
    let index = 0
    const timer = setInterval(() => {
      if (record.closedByClient || index >= frames.length) {
        clearInterval(timer)
        record.finished = true
        record.finishedAt = performance.now()
        return void response.end()
      }
      response.write(encodeSse([frames[index++]!]))
      record.frameWrites.push(performance.now())
    }, paceMs)
  }

  const playTrickle = (response: ServerResponse, record: RecordedRequest, everyMs: number, text: string) => {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
    response.flushHeaders()
    let index = 0
    const timer = setInterval(() => {
      if (record.closedByClient || index >= text.length) return void clearInterval(timer)
      response.write(text[index++]!)
    }, everyMs)
    response.on("close", () => clearInterval(timer))
  }

  const playEndless = (response: ServerResponse, record: RecordedRequest, status: number) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8" })
    const junk = Buffer.alloc(64 * 1024, "x")
    const writeMore = () => {
      while (!record.closedByClient && !response.destroyed) {
        record.bytesWritten += junk.length
        if (!response.write(junk)) return void response.once("drain", writeMore)
      }
    }
    response.on("close", () => void (record.closedByClient = true))
    writeMore()
  }

  const playQuota = (response: ServerResponse, reply: QuotaReply) => {
    switch (reply.kind) {
      case "json":
        return sendJson(response, 200, reply.body)
      case "hang":
        return
      case "stall": {
        response.writeHead(200, { "content-type": "application/json" })
        response.flushHeaders()
        response.write(JSON.stringify(reply.body).slice(0, reply.bytes))
        return
      }
    }
  }

  const handleMessages = (request: IncomingMessage, response: ServerResponse, record: RecordedRequest) => {
    const key = keyOf(request, drift.authField)
    if (key === undefined) return sendJson(response, 401, minimaxError(401, "authorized_error", AUTH_MESSAGES[drift.authField]))
    if (!acceptKey(key)) return sendJson(response, 401, minimaxError(401, "authorized_error", "login fail: invalid api key (1004)"))
    const body = record.body
    if (body === undefined) return sendJson(response, 400, minimaxError(400, "bad_request_error", "invalid params, request body is not JSON (2013)"))
    const asked = String(body.model ?? "")
    const model = FAKE_MODELS.includes(asked) ? asked : DEFAULT_MODEL
    const isM31 = model.startsWith("MiniMax-M3.1")
    const isM3 = model.startsWith("MiniMax-M3")
    const invalid = (message: string) => sendJson(response, 400, minimaxError(400, "bad_request_error", `invalid params, ${message} (2013)`))
    if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("messages must not be empty")
    if (body.temperature !== undefined && (isM3 ? body.temperature < 0 || body.temperature > 2 : body.temperature <= 0 || body.temperature > 1)) {
      return invalid(`temperature must be in ${isM3 ? "[0, 2]" : "(0, 1]"}`)
    }
    const blocks: Array<any> = body.messages.flatMap((m: any) => Array.isArray(m?.content) ? m.content : [])
    const images = blocks.some((b) => b?.type === "image" || (b?.type === "tool_result" && Array.isArray(b.content) && b.content.some((p: any) => p?.type === "image")))
    if (images && !isM3) return invalid("chat content is empty")
    const badSignature = blocks.find((b) => b?.type === "thinking" && typeof b.signature === "string" && b.signature !== sha256Hex(String(b.thinking)))
    if (badSignature !== undefined) return invalid("thinking block signature verification failed")
    const thinkingOn = drift.m3ThinkingOn
    if (isM31 && (body.thinking?.type === "disabled" || body.thinking?.type === "enabled")) {
      // §8, word for word.
      return invalid(`model "${model}" requires adaptive thinking; thinking.type="${body.thinking.type}" (including reasoning.effort=none) is not allowed`)
    }
    if (isM31 && options.refuseEffortField === true && body.output_config !== undefined) return invalid("unknown field output_config")
    if (isM31 && body.output_config !== undefined && !["low", "medium", "high", "xhigh", "max"].includes(body.output_config?.effort)) {
      return invalid(`invalid output_config.effort: ${JSON.stringify(body.output_config?.effort)}`)
    }
    if (isM3 && !isM31 && body.thinking !== undefined && !["disabled", thinkingOn].includes(body.thinking?.type)) {
      // §8: since August 2026 M3 names the value it refuses and the ones it allows.
      return invalid(`invalid thinking.type: "${body.thinking?.type}" (allowed: ${thinkingOn}, disabled)`)
    }
    const thinks = !isM3 || isM31 || body.thinking?.type === thinkingOn
    if (key.startsWith("sk-cp-") && model === "MiniMax-M2.7-highspeed") {
      return sendJson(response, 500, minimaxError(500, "api_error", `your current token plan not support model, ${model} (2061)`))
    }
    if (emptyBalance(key)) {
      return sendJson(response, 402, minimaxError(402, "insufficient_balance_error", "insufficient balance (1008)"))
    }
    const prompt = lastUserText(body)
    const reply = options.keyReply?.(key, asked) ?? scripted.shift() ??
      { kind: "sse" as const, frames: (thinks ? defaultTranscript(model, prompt) : textOnly(model, `Hello from the fake MiniMax (${model}). You said: ${prompt}`)).frames }
    switch (reply.kind) {
      case "error":
        return sendJson(response, reply.status, reply.body, reply.headers)
      case "hang":
        return
      case "trickle":
        return playTrickle(response, record, reply.everyMs, reply.text ?? `data: {"type":"ping"${" ".repeat(10_000)}`)
      case "endless":
        return playEndless(response, record, reply.status)
      case "reset":
        return request.socket.destroy()
      case "sse":
        return playSse(request, response, record, reply)
    }
  }

  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8")
      let body: any
      try {
        body = rawBody === "" ? undefined : JSON.parse(rawBody)
      } catch {
        body = undefined
      }
      const path = (request.url ?? "/").split("?")[0]!
      const record: RecordedRequest = { method: request.method ?? "", path, headers: request.headers, rawBody, body, closedByClient: false, finished: false, frameWrites: [], bytesWritten: 0 }
      if (/\/v1\/models$/.test(path)) modelListRequests.push(record)
      else requests.push(record)
      response.on("close", () => {
        if (!response.writableFinished) record.closedByClient = true
      })
      if (request.method === "POST" && /^(\/anthropic)?\/v1\/messages$/.test(path)) return handleMessages(request, response, record)
      if (request.method === "GET" && /^(\/anthropic)?\/v1\/models$/.test(path) && options.modelList !== "absent") {
        // §8: documented with X-Api-Key, paginated by limit / after_id; either header is accepted here.
        const key = keyOf(request, "x-api-key") ?? keyOf(request, "bearer")
        if (key === undefined || !acceptKey(key)) return sendJson(response, 401, minimaxError(401, "authorized_error", AUTH_MESSAGES["x-api-key"]))
        const query = new URLSearchParams((request.url ?? "").split("?")[1] ?? "")
        const ids = options.modelList ?? FAKE_MODELS
        const limit = Math.max(1, Number(query.get("limit") ?? 20))
        const afterId = query.get("after_id")
        const start = afterId === null ? 0 : ids.indexOf(afterId) + 1
        const page = ids.slice(start, start + limit)
        return sendJson(response, 200, {
          data: page.map((id) => ({ id, created_at: "2026-12-01T00:00:00Z", display_name: id, type: "model" })),
          first_id: page[0] ?? null,
          last_id: page.at(-1) ?? null,
          has_more: start + limit < ids.length
        })
      }
      if (request.method === "GET" && path === "/v1/token_plan/remains") {
        // §6: errors come back as HTTP 200 with the code in base_resp.
        const key = keyOf(request, "bearer")
        const refuse = (status_code: number, status_msg: string) => sendJson(response, 200, { base_resp: { status_code, status_msg } })
        if (key === undefined) return refuse(1004, "login fail: Please carry the API secret key in the 'Authorization' field of the request header")
        if (!acceptKey(key)) return refuse(2049, "invalid api key")
        if (!key.startsWith("sk-cp-")) return refuse(2057, "not coding plan token")
        const quotaReply = options.keyQuota?.(key) ?? quotaOverride
        if (quotaReply !== undefined) return playQuota(response, quotaReply)
        return sendJson(response, 200, quotaBody(options.quotaFormat ?? "new", options.quotaNow ?? Date.now()))
      }
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" })
      response.end("404 page not found")
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      const url = `http://127.0.0.1:${port}`
      resolve({
        url,
        baseUrl: `${url}/anthropic`,
        requests,
        modelListRequests,
        script: (...replies) => void scripted.push(...replies),
        quotaReply: (reply) => void (quotaOverride = reply),
        reconfigure: (changes) => void Object.assign(drift, changes),
        openConnections: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
