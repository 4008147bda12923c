/**
 * The plugin's id and version are written once, in package.json: the manifest must agree with
 * it, and the code reads it (src/pluginIdentity.ts).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { PLUGIN_ID, PLUGIN_VERSION } from "../src/pluginIdentity.ts"
import { ROOT } from "./support/plugin.ts"

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), "utf8"))

describe("plugin identity", () => {
  it("plexum-plugin.json agrees with package.json on id and version, and the code reads package.json", () => {
    const pkg = json("package.json")
    const manifest = json("plexum-plugin.json")
    assert.strictEqual(manifest.id, pkg.name)
    assert.strictEqual(manifest.version, pkg.version)
    assert.deepStrictEqual([manifest.kind, manifest.protocol, manifest.command.at(-1)], ["provider", 1, "dist/main.js"])
    assert.deepStrictEqual([PLUGIN_ID, PLUGIN_VERSION], [pkg.name, pkg.version])
  })
})
