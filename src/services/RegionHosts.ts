/**
 * The API hosts of MiniMax's two regions. Keys are bound to their region (a China key gets
 * 401 on the global host and the reverse), so the probe asks the other region's host to tell
 * "wrong region" from "wrong key", and messages go to `{host}/anthropic` when no `base_url` is
 * set. config.json's `region_hosts` overrides these (a corporate proxy; two loopback fakes in
 * tests); the `http://`-only-for-loopback rule applies as it does to `base_url`.
 */
import { Context, Layer } from "effect"

export type Region = "global" | "cn"

export type Hosts = Readonly<Record<Region, string>>

export const DEFAULT_REGION_HOSTS: Hosts = {
  global: "https://api.minimax.io",
  cn: "https://api.minimaxi.com"
}

export const otherRegion = (region: Region): Region => region === "global" ? "cn" : "global"

export class RegionHosts extends Context.Service<RegionHosts, Hosts>()("plexum-minimax-provider/RegionHosts") {
  static readonly layer = Layer.succeed(RegionHosts, RegionHosts.of(DEFAULT_REGION_HOSTS))
}
