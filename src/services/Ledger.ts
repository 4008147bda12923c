/**
 * The usage ledger: one row per finished or failed turn in a SQLite file beside config.json
 * (`usage.sqlite`, mode 0600), with Node's own `node:sqlite`, loaded only when the ledger opens,
 * after `initialize` is answered. Never any prompt or reply text. Rows are written off the
 * turn's path, in batches; what a batch still holds is written when the process stops. WAL and a
 * busy timeout let several plugin processes share one file. A ledger that cannot open or write
 * (a read-only folder, a full disk, a locked or corrupt file) says so once and turns itself off
 * until restart: no turn waits on it or fails because of it.
 */
import { chmodSync } from "node:fs"
import type { DatabaseSync } from "node:sqlite"
import { Context, Effect, Layer } from "effect"

/** One turn, as the ledger keeps it. Times in epoch ms, money in USD. */
export interface LedgerRow {
  readonly startedAt: number
  readonly endedAt: number
  readonly turnId: string
  readonly modelAsked: string
  readonly modelAnswered?: string | undefined
  readonly keyLabel?: string | undefined
  readonly keyKind?: string | undefined
  readonly region?: string | undefined
  readonly billing?: "plan" | "payg" | undefined
  readonly inputTokens: number
  readonly outputTokens: number
  readonly cacheReadTokens: number
  readonly cacheWriteTokens: number
  /** What the turn cost pay-as-you-go; undefined when unknown or billed to a plan. */
  readonly costUsd?: number | undefined
  /** What it would cost pay-as-you-go, whoever pays; undefined when the price is unknown. */
  readonly paygEquivalentUsd?: number | undefined
  readonly ttftMs?: number | undefined
  readonly durationMs: number
  /** The stop reason, or the failure's tag. */
  readonly ending: string
  readonly failed: boolean
  readonly attempts: number
  readonly failovers: number
  readonly repairs: string
  /** 16 hex characters of the first message's SHA-256: the turns of one conversation share it. */
  readonly conversation?: string | undefined
  readonly cacheControlSent: boolean
}

/** The columns, in the order rows are written; the schema's version is SQLite's user_version. */
const COLUMNS = [
  "started_at", "ended_at", "turn_id", "model_asked", "model_answered", "key_label", "key_kind", "region", "billing",
  "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd", "payg_equivalent_usd",
  "ttft_ms", "duration_ms", "ending", "failed", "attempts", "failovers", "repairs", "conversation", "cache_control_sent"
] as const

/** Each entry migrates the schema from its index to the next version. */
const MIGRATIONS: ReadonlyArray<string> = [
  `CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, turn_id TEXT NOT NULL,
    model_asked TEXT NOT NULL, model_answered TEXT, key_label TEXT, key_kind TEXT, region TEXT, billing TEXT,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
    cost_usd REAL, payg_equivalent_usd REAL, ttft_ms INTEGER, duration_ms INTEGER NOT NULL,
    ending TEXT NOT NULL, failed INTEGER NOT NULL, attempts INTEGER NOT NULL, failovers INTEGER NOT NULL,
    repairs TEXT NOT NULL, conversation TEXT, cache_control_sent INTEGER NOT NULL
  );
  CREATE INDEX turns_started_at ON turns (started_at);`
]

/** A batch is written when it holds this many rows, or this long after its first row. */
const BATCH_ROWS = 64
const BATCH_MS = 250
/**
 * node:sqlite waits for a lock synchronously, on the event loop: another process holding the
 * file may make a write wait this long at most. A batch that still meets a lock stays for the
 * next one; only this many locked batches in a row, or any other error, turn the ledger off.
 */
const BUSY_TIMEOUT_MS = 100
const MAX_LOCKED_BATCHES = 100
/** At exit, a locked batch is tried again this many times (well within the protocol's 2 s). */
const EXIT_ATTEMPTS = 6
/** A locked open is tried again this many times, waiting a little longer each time (about 5 s in all). */
const OPEN_ATTEMPTS = 12

const isLocked = (error: unknown): boolean => /database is locked|SQLITE_BUSY|database table is locked/i.test(String(error instanceof Error ? error.message : error))
const DAY_MS = 86_400_000

const valuesOf = (row: LedgerRow): Array<string | number | null> => [
  row.startedAt, row.endedAt, row.turnId, row.modelAsked, row.modelAnswered ?? null, row.keyLabel ?? null, row.keyKind ?? null,
  row.region ?? null, row.billing ?? null, row.inputTokens, row.outputTokens, row.cacheReadTokens, row.cacheWriteTokens,
  row.costUsd ?? null, row.paygEquivalentUsd ?? null, row.ttftMs ?? null, row.durationMs, row.ending, row.failed ? 1 : 0,
  row.attempts, row.failovers, row.repairs, row.conversation ?? null, row.cacheControlSent ? 1 : 0
]

/** Opens (creating, mode 0600) and migrates the ledger at `path`, pruning rows older than `retentionDays`. */
export const openLedgerFile = (path: string, retentionDays: number, nowMs: number, readOnly = false): DatabaseSync => {
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite")
  const db = new DatabaseSync(path, { readOnly, timeout: readOnly ? 5_000 : BUSY_TIMEOUT_MS })
  if (readOnly) return db
  chmodSync(path, 0o600)
  db.exec("PRAGMA journal_mode = WAL")
  // WAL with NORMAL sync cannot corrupt the file; a power cut may lose the last batch. A FULL sync
  // per batch put an fsync on the event loop every 250 ms, in the middle of other turns.
  db.exec("PRAGMA synchronous = NORMAL")
  const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version)
  for (let at = version; at < MIGRATIONS.length; at++) {
    db.exec("BEGIN IMMEDIATE")
    try {
      // Another process may have migrated it meanwhile.
      const now = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version)
      if (now === at) {
        db.exec(MIGRATIONS[at]!)
        db.exec(`PRAGMA user_version = ${at + 1}`)
      }
      db.exec("COMMIT")
    } catch (error) {
      db.exec("ROLLBACK")
      throw error
    }
  }
  db.prepare("DELETE FROM turns WHERE started_at < ?").run(nowMs - retentionDays * DAY_MS)
  return db
}

/** Local midnight before `nowMs`, in the machine's zone. */
export const localMidnight = (nowMs: number): number => {
  const day = new Date(nowMs)
  day.setHours(0, 0, 0, 0)
  return day.getTime()
}

export interface Spend {
  /** Pay-as-you-go USD spent since local midnight. */
  readonly usd: number
  /** True when counted from the ledger (every process sharing it); false: this process only. */
  readonly shared: boolean
}

export class Ledger extends Context.Service<Ledger, {
  /** Opens the ledger at `path` (undefined: the ledger is off). Called once, after `initialize` is answered. */
  readonly open: (path: string | undefined, retentionDays: number) => Effect.Effect<void>
  /** Keeps `row` for the next batch; never waits and never fails. */
  readonly record: (row: LedgerRow) => Effect.Effect<void>
  /** Today's pay-as-you-go spend: the ledger's (every process's), or this process's when the ledger is off. */
  readonly spentToday: (nowMs: number) => Effect.Effect<Spend>
}>()("plexum-minimax-provider/Ledger") {
  static readonly make = Effect.gen(function*() {
    const scope = yield* Effect.scope
    let db: DatabaseSync | undefined
    let off = false
    let pending: Array<LedgerRow> = []
    let flushing = false
    let lockedInARow = 0
    /** This process's own pay-as-you-go spend by local day, for a budget without a ledger. */
    const ownSpend = new Map<number, number>()

    const turnOff = (why: unknown) =>
      Effect.suspend(() => {
        off = true
        pending = []
        try {
          db?.close()
        } catch {
          // Closing a ledger that already failed can fail too; it is off either way.
        }
        db = undefined
        return Effect.logWarning("the usage ledger is off until restart", String(why instanceof Error ? why.message : why))
      })

    /** Writes the pending rows in one transaction: "written", "locked" (they stay pending) or "failed" (the ledger is off). */
    const write = (): "written" | "locked" | "failed" => {
      if (db === undefined || pending.length === 0) return "written"
      const rows = pending
      pending = []
      try {
        const insert = db.prepare(`INSERT INTO turns (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`)
        db.exec("BEGIN IMMEDIATE")
        try {
          for (const row of rows) insert.run(...valuesOf(row))
          db.exec("COMMIT")
        } catch (error) {
          db.exec("ROLLBACK")
          throw error
        }
        lockedInARow = 0
        return "written"
      } catch (error) {
        if (isLocked(error) && ++lockedInARow < MAX_LOCKED_BATCHES) {
          pending = [...rows, ...pending]
          return "locked"
        }
        failure = error
        return "failed"
      }
    }
    let failure: unknown

    const flush: Effect.Effect<void> = Effect.suspend(() => {
      switch (write()) {
        case "written":
          return Effect.void
        case "locked":
          return scheduleFlush
        case "failed":
          return turnOff(failure)
      }
    })

    // What a batch still holds is written when the process stops (within the protocol's 2 s).
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (let attempt = 0; attempt < EXIT_ATTEMPTS && pending.length > 0 && db !== undefined; attempt++) {
          if (write() !== "locked") break
        }
        db?.close()
      }).pipe(Effect.ignore)
    )

    const scheduleFlush: Effect.Effect<void> = Effect.suspend(() => {
      if (flushing) return Effect.void
      flushing = true
      return Effect.forkIn(Effect.sleep(BATCH_MS).pipe(Effect.andThen(Effect.sync(() => void (flushing = false))), Effect.andThen(flush)), scope)
    })

    return Ledger.of({
      open: (path, retentionDays) => {
        if (path === undefined) return Effect.sync(() => void (off = true))
        // Processes starting together take turns at the file's first lock (WAL, the migration): a locked open is tried again.
        const attempt = (tries: number): Effect.Effect<void> =>
          Effect.suspend(() => {
            try {
              db = openLedgerFile(path, retentionDays, Date.now())
              return Effect.void
            } catch (error) {
              return isLocked(error) && tries < OPEN_ATTEMPTS ? Effect.andThen(Effect.sleep(50 * (tries + 1)), attempt(tries + 1)) : turnOff(error)
            }
          })
        return attempt(0)
      },
      record: (row) =>
        Effect.suspend(() => {
          if (row.billing === "payg" && row.costUsd !== undefined) {
            const day = localMidnight(row.startedAt)
            ownSpend.set(day, (ownSpend.get(day) ?? 0) + row.costUsd)
          }
          if (off) return Effect.void
          pending.push(row)
          return pending.length >= BATCH_ROWS ? flush : scheduleFlush
        }),
      spentToday: (nowMs) =>
        Effect.sync((): Spend => {
          const midnight = localMidnight(nowMs)
          const own = ownSpend.get(midnight) ?? 0
          if (db === undefined) return { usd: own, shared: false }
          try {
            const stored = db.prepare("SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM turns WHERE billing = 'payg' AND started_at >= ?").get(midnight) as { usd: number }
            const unwritten = pending.reduce((sum, row) => sum + (row.billing === "payg" && row.startedAt >= midnight ? row.costUsd ?? 0 : 0), 0)
            return { usd: stored.usd + unwritten, shared: true }
          } catch {
            return { usd: own, shared: false }
          }
        })
    })
  })

  static readonly layer = Layer.effect(Ledger, Ledger.make)
}
