/**
 * What `npm run bench` makes of its rows: the table, the markdown file, and the exit code (1
 * when a row with a target failed, so a script or CI sees a failing bench as failing).
 */
export interface BenchRow {
  readonly name: string
  readonly value: string
  /** Empty for a row that only informs. */
  readonly target: string
  readonly pass: boolean
}

const verdict = (row: BenchRow) => row.target === "" ? "" : row.pass ? "PASS" : "FAIL"

export const failedRows = (rows: ReadonlyArray<BenchRow>): ReadonlyArray<BenchRow> => rows.filter((row) => row.target !== "" && !row.pass)

/** 0 when every row with a target passed, else 1. */
export const benchExitCode = (rows: ReadonlyArray<BenchRow>): 0 | 1 => failedRows(rows).length === 0 ? 0 : 1

export const benchTable = (rows: ReadonlyArray<BenchRow>): string => {
  const width = Math.max(...rows.map((r) => r.name.length))
  return rows.map((r) => `${r.name.padEnd(width)}  ${r.value.padStart(8)}  ${r.target.padEnd(6)}  ${verdict(r)}`).join("\n")
}

export const benchMarkdown = (
  rows: ReadonlyArray<BenchRow>,
  about: ReadonlyArray<string>,
  heading: { readonly title: string; readonly writtenBy: string } = { title: "Benchmark results", writtenBy: "`npm run bench -- --write` (bench/run.ts)" }
): string => `# ${heading.title}

Written by ${heading.writtenBy}.

${about.map((line) => `- ${line}`).join("\n")}

| measure | value | target | result |
|---|---:|---|---|
${rows.map((r) => `| ${r.name} | ${r.value} | ${r.target} | ${verdict(r)} |`).join("\n")}
`
