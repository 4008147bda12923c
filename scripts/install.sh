#!/usr/bin/env bash
# Installs the plugin into $PLEXUM_HOME/plugins/plexum-minimax-provider/ (PLEXUM_HOME defaults
# to ~/.plexum): the bundled dist/ (main.js launching plugin.js), a Node >= 22.19 to run it, and a manifest whose command
# holds absolute paths. Non-interactive and idempotent: an existing config.json is never touched,
# and plugins.allow in plexum.json gains the plugin once, after a backup.
set -euo pipefail

PLUGIN_ID="plexum-minimax-provider"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLEXUM_HOME="${PLEXUM_HOME:-$HOME/.plexum}"
DEST="$PLEXUM_HOME/plugins/$PLUGIN_ID"

say() { printf '%s\n' "$*"; }

node_ok() { # a Node binary that runs the plugin: >= 22.19
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

PROJECT_NODE="$ROOT/node_modules/.bin/node"
if [ ! -x "$PROJECT_NODE" ]; then
  say "Installing dependencies (npm install) first..."
  (cd "$ROOT" && npm install --no-audit --no-fund </dev/null)
fi
say "Building dist/ (main.js, plugin.js, cli.js, chunks/)..."
(cd "$ROOT" && PATH="$ROOT/node_modules/.bin:$PATH" npm run build --silent </dev/null)

mkdir -p "$DEST/dist/chunks"
# Chunks are named by their content, so the new ones go in beside the old: a plugin already
# running may still import its own (the HTTP client is loaded by the first turn). Then the entry
# points, then their launcher, each replaced whole, so a plugin starting meanwhile sees one
# version or the other. Chunks of neither this install nor the one before it are removed.
PREVIOUS_CHUNKS="$(cat "$DEST/dist/chunks.list" 2>/dev/null || true)"
CURRENT_CHUNKS="$(ls "$ROOT/dist/chunks")"
for name in $CURRENT_CHUNKS; do
  [ -e "$DEST/dist/chunks/$name" ] || { cp "$ROOT/dist/chunks/$name" "$DEST/dist/chunks/$name.tmp" && mv "$DEST/dist/chunks/$name.tmp" "$DEST/dist/chunks/$name"; }
done
for file in cli.js cli.js.map plugin.js plugin.js.map main.js THIRD-PARTY-NOTICES.md; do
  cp "$ROOT/dist/$file" "$DEST/dist/$file.tmp" && mv "$DEST/dist/$file.tmp" "$DEST/dist/$file"
done
cp "$ROOT/LICENSE" "$DEST/LICENSE.tmp" && mv "$DEST/LICENSE.tmp" "$DEST/LICENSE"
printf '%s\n' "$CURRENT_CHUNKS" > "$DEST/dist/chunks.list"
for path in "$DEST"/dist/chunks/*; do
  name="$(basename "$path")"
  printf '%s\n%s\n' "$CURRENT_CHUNKS" "$PREVIOUS_CHUNKS" | grep -qxF -- "$name" || rm -f -- "$path"
done

SYSTEM_NODE="$(command -v node || true)"
if [ -n "$SYSTEM_NODE" ] && node_ok "$SYSTEM_NODE"; then
  RUNTIME="$(readlink -f "$SYSTEM_NODE")"
else
  mkdir -p "$DEST/runtime"
  cp "$(readlink -f "$PROJECT_NODE")" "$DEST/runtime/node.tmp" && mv "$DEST/runtime/node.tmp" "$DEST/runtime/node"
  chmod 755 "$DEST/runtime/node"
  RUNTIME="$DEST/runtime/node"
fi
node_ok "$RUNTIME" || { say "error: $RUNTIME is not a Node >= 22.19" >&2; exit 1; }

VERSION="$("$RUNTIME" -p 'require(process.argv[1]).version' "$ROOT/package.json")"
"$RUNTIME" - "$ROOT/plexum-plugin.json" "$DEST/plexum-plugin.json" "$VERSION" "$RUNTIME" "$DEST" <<'JS'
const [source, file, version, node, dest] = process.argv.slice(2)
const { resolve } = require("node:path")
// The repository's command with absolute paths: its node becomes the runtime, its files the installed copies.
const [, ...args] = JSON.parse(require("node:fs").readFileSync(source, "utf8")).command
const command = [node, ...args.map((arg) => arg.startsWith("-") ? arg : resolve(dest, arg))]
const manifest = { id: "plexum-minimax-provider", kind: "provider", protocol: 1, version, command }
require("node:fs").writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
JS

CONFIG="$DEST/config.json"
if [ -e "$CONFIG" ]; then
  say "Keeping the existing $CONFIG."
elif [ -n "${MINIMAX_API_KEY:-}" ]; then
  (umask 077 && "$RUNTIME" - "$CONFIG" <<'JS'
const [file] = process.argv.slice(2)
const config = { api_key: process.env.MINIMAX_API_KEY.trim(), region: process.env.MINIMAX_REGION || "global" }
require("node:fs").writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 })
JS
  )
  say "Wrote $CONFIG (mode 0600) from MINIMAX_API_KEY."
else
  say "No config yet: create $CONFIG (chmod 600) with {\"api_key\": \"sk-cp-…\", \"region\": \"global\"}."
fi

PLEXUM_JSON="$PLEXUM_HOME/plexum.json"
"$RUNTIME" - "$PLEXUM_JSON" "$PLUGIN_ID" <<'JS'
const fs = require("node:fs")
const [file, id] = process.argv.slice(2)
let settings = {}
if (fs.existsSync(file)) {
  const text = fs.readFileSync(file, "utf8")
  try { settings = JSON.parse(text) } catch { console.error(`error: ${file} is not valid JSON; fix it, then run install.sh again`); process.exit(1) }
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) { console.error(`error: ${file} must hold a JSON object`); process.exit(1) }
  const plugins = settings.plugins ?? {}
  if (Array.isArray(plugins.allow) && plugins.allow.includes(id)) process.exit(0)
  fs.copyFileSync(file, `${file}.bak-${new Date().toISOString().replace(/[:.]/g, "-")}`)
}
settings.plugins = { ...(settings.plugins ?? {}) }
settings.plugins.allow = [...(Array.isArray(settings.plugins.allow) ? settings.plugins.allow : []), id]
fs.mkdirSync(require("node:path").dirname(file), { recursive: true })
fs.writeFileSync(file, JSON.stringify(settings, null, 2) + "\n")
console.log(`Added ${id} to plugins.allow in ${file}.`)
JS

say ""
say "Installed $PLUGIN_ID $VERSION into $DEST (runtime: $RUNTIME)."
say "Next steps:"
say "  1. Check the setup:   $RUNTIME $DEST/dist/main.js --probe"
say "  2. Add an agent:      plexum agent-add --model MiniMax-M2.7 --provider $PLUGIN_ID minimax"
say "  3. Restart Plexum:    plexum restart"
say "  4. Talk to it:        plexum say minimax \"hello\""
