/**
 * vitest's global setup: the whole suite writes its temporary folders (PLEXUM_HOMEs, copies of
 * dist/, fake TMPDIRs) under one folder of its own, removed when the suite ends, so a run leaves
 * nothing behind in the machine's temp folder.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export default function setup() {
  const root = mkdtempSync(join(tmpdir(), "plexum-minimax-tests-"))
  process.env.TMPDIR = root
  return () => rmSync(root, { recursive: true, force: true })
}
