import { assert, describe, it } from "@effect/vitest"
import { networkFaultOf } from "../../src/failures/networkFault.ts"

/** The shape effect's HttpClientError has: reason → cause → Node's error with a code. */
const wrapped = (code: string, message: string) => ({ _tag: "HttpClientError", message: "Transport error", reason: { _tag: "TransportError", message: "Transport error", cause: Object.assign(new Error(message), { code }) } })

describe("networkFaultOf", () => {
  it("reads the kind from the code on the cause chain, keeping the code and description", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1", "refused"],
      ["ENOTFOUND", "getaddrinfo ENOTFOUND api.minimax.invalid", "dns"],
      ["EAI_AGAIN", "getaddrinfo EAI_AGAIN api.minimax.io", "dns"],
      ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", "tls"],
      ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate", "tls"],
      ["ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number", "tls"],
      ["ECONNRESET", "read ECONNRESET", "reset"],
      ["UND_ERR_SOCKET", "other side closed", "reset"],
      ["UND_ERR_CONNECT_TIMEOUT", "Connect Timeout Error", "timeout"],
      ["EWHATEVER", "something new", "other"]
    ]
    for (const [code, message, kind] of cases) {
      assert.deepStrictEqual(networkFaultOf(wrapped(code, message)), { kind, detail: `${code}: ${message}` }, code)
    }
  })

  it("an error with no code is 'other', with whatever description it has", () => {
    assert.deepStrictEqual(networkFaultOf(new Error("fetch failed")), { kind: "other", detail: "fetch failed" })
    assert.deepStrictEqual(networkFaultOf(undefined), { kind: "other", detail: "no description" })
  })
})
