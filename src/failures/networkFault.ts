/**
 * What the network did when a request got no HTTP answer, read off the error's cause chain
 * (effect's HttpClientError → TransportError → Node's or undici's error with a `code`). Each
 * kind has its own message and hint: "connection refused", a name that does not resolve and a
 * proxy's certificate need different fixes. Pure.
 */

export type NetworkFaultKind = "refused" | "dns" | "tls" | "reset" | "timeout" | "other"

export interface NetworkFault {
  readonly kind: NetworkFaultKind
  /** The underlying code and description, e.g. "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1". */
  readonly detail: string
}

const KIND_OF_CODE: ReadonlyArray<readonly [RegExp, NetworkFaultKind]> = [
  [/^ECONNREFUSED$/, "refused"],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|EAI_NODATA)$/, "dns"],
  [/CERT|^ERR_TLS_|^ERR_SSL_|^UNABLE_TO_|SELF_SIGNED|^HOSTNAME_MISMATCH$|^EPROTO$/, "tls"],
  [/^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET|UND_ERR_CLOSED)$/, "reset"],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, "timeout"]
]

/** The first `code` on the chain of `reason`s and `cause`s, and the innermost message. */
const walk = (error: unknown): { readonly code?: string; readonly message?: string } => {
  let code: string | undefined
  let message: string | undefined
  let at: unknown = error
  for (let depth = 0; depth < 8 && typeof at === "object" && at !== null; depth++) {
    const record = at as { readonly code?: unknown; readonly message?: unknown; readonly reason?: unknown; readonly cause?: unknown }
    if (code === undefined && typeof record.code === "string") code = record.code
    if (typeof record.message === "string" && record.message !== "") message = record.message
    at = record.reason ?? record.cause
  }
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) }
}

export const networkFaultOf = (error: unknown): NetworkFault => {
  const { code, message } = walk(error)
  const kind = code === undefined ? "other" : KIND_OF_CODE.find(([pattern]) => pattern.test(code))?.[1] ?? "other"
  const detail = [code, message?.split("\n")[0]?.slice(0, 300)].filter((part) => part !== undefined && part !== "").join(": ")
  return { kind, detail: detail === "" ? "no description" : detail }
}

/** What a person reads about each kind: a sentence about `host`, and what to check. */
export const NETWORK_FAULT_TEXT: Record<NetworkFaultKind, { readonly says: (host: string) => string; readonly hint: string }> = {
  refused: {
    says: (host) => `Nothing accepted the connection at ${host} (connection refused)`,
    hint: "Check the host and port in base_url; if it names a local proxy or gateway, that program is not running."
  },
  dns: {
    says: (host) => `The host name of ${host} could not be resolved (DNS)`,
    hint: "Check the spelling of base_url and region_hosts, and whether this machine is online and can resolve names."
  },
  tls: {
    says: (host) => `The TLS connection to ${host} failed (certificate or protocol)`,
    hint: "A proxy or antivirus that inspects HTTPS presents its own certificate: give Node its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem. Otherwise base_url names a port that does not speak HTTPS."
  },
  reset: {
    says: (host) => `The connection to ${host} was closed before an answer came`,
    hint: "A firewall or proxy may be cutting connections to MiniMax; retry, and check what sits between this machine and the host."
  },
  timeout: {
    says: (host) => `Connecting to ${host} timed out`,
    hint: "The host does not answer: check the network, a firewall, and that base_url names a reachable host."
  },
  other: {
    says: (host) => `Could not reach ${host}`,
    hint: "Check the network and base_url."
  }
}
