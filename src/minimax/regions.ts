/**
 * MiniMax's two regions and their API hosts. Keys are bound to their region (a China key gets
 * 401 on the global host and the reverse), so the probe asks the other region's host to tell
 * "wrong region" from "wrong key", and messages go to `{host}/anthropic` when no `base_url` is
 * set. config.json's `region_hosts` overrides the hosts (a corporate proxy; two loopback fakes in
 * tests).
 */
import { Schema } from "effect"

export const Region = Schema.Literals(["global", "cn"])
export type Region = typeof Region.Type

/** Each region's API hosts, in the order they are asked: messages and quota go to the first. */
export type Hosts = Readonly<Record<Region, readonly [string, ...Array<string>]>>

/**
 * Newer MiniMax docs and clients use `api.minimax.cn` for China; whether `api.minimaxi.com` is
 * retired is not known (§8), so both are kept, the one that has always answered first.
 */
export const DEFAULT_REGION_HOSTS: Hosts = {
  global: ["https://api.minimax.io"],
  cn: ["https://api.minimaxi.com", "https://api.minimax.cn"]
}

export const otherRegion = (region: Region): Region => region === "global" ? "cn" : "global"
