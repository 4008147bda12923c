/** How the plugin writes a time for a person: the same on every machine, in the machine's zone, zone named. Pure. */

/** "2026-12-06 15:38 (Asia/Shanghai)": the machine's zone, a format that reads the same everywhere. */
export const localTime = (epochMs: number, timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone): string => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value])
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${timeZone})`
}
