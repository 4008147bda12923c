/** The ledger's rows since an instant, for `--usage`: the file the config names, opened read-only. */
import { existsSync } from "node:fs"
import { Effect } from "effect"
import { openLedgerFile } from "../services/Ledger.ts"
import { PluginConfig } from "../services/PluginConfig.ts"
import type { UsageRow } from "./usageReport.ts"

export type LedgerRead =
  | { readonly _tag: "Rows"; readonly path: string; readonly rows: ReadonlyArray<UsageRow> }
  | { readonly _tag: "NoLedger"; readonly why: string }

export const readLedger = (since: number) =>
  Effect.gen(function*() {
    const pluginConfig = yield* PluginConfig
    const loaded = yield* Effect.result(pluginConfig.load())
    if (loaded._tag === "Failure") return { _tag: "NoLedger", why: `config.json cannot be read, so neither can its ledger: ${loaded.failure.message}` } satisfies LedgerRead
    const path = loaded.success.ledgerPath
    if (path === undefined) return { _tag: "NoLedger", why: "The usage ledger is off (\"ledger\": false in config.json): there is nothing to report." } satisfies LedgerRead
    if (!existsSync(path)) return { _tag: "NoLedger", why: `No usage ledger yet at ${path}: the plugin writes one row per turn there.` } satisfies LedgerRead
    return yield* Effect.try({
      try: () => {
        const db = openLedgerFile(path, 0, Date.now(), true)
        try {
          const rows = db.prepare("SELECT * FROM turns WHERE started_at >= ? ORDER BY started_at, id").all(since) as unknown as ReadonlyArray<UsageRow>
          return { _tag: "Rows", path, rows } satisfies LedgerRead
        } finally {
          db.close()
        }
      },
      catch: (error) => error
    }).pipe(Effect.orElseSucceed((): LedgerRead => ({ _tag: "NoLedger", why: `The usage ledger at ${path} cannot be read.` })))
  })
