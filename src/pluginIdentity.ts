/** The plugin's id and version: package.json's name and version, the one place they are written (the manifest is checked against it). */
import packageJson from "../package.json" with { type: "json" }

export const PLUGIN_ID: string = packageJson.name
export const PLUGIN_VERSION: string = packageJson.version
