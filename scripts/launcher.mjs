// dist/main.js: what `node dist/main.js` and plexum-plugin.json run. It must parse on any Node,
// so it is plain JavaScript with no named import a Node may lack.
// - Node >= 22.19: turns on the compile cache (it must be on before dist/plugin.js is compiled,
//   so that later starts skip compiling the bundle) and runs the plugin in this process.
// - An older Node (the machine's own, often 20): runs the plugin on the project's Node 24
//   (node_modules/node, from `npm install`), passing stdio, arguments, V8 flags and signals
//   through and exiting as it exits; without it, one line says what to do, and exit 1.
import module from "node:module"

const NEEDED = [22, 19]
const [major, minor] = process.versions.node.split(".").map(Number)

if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) {
  module.enableCompileCache?.()
  await import("./plugin.js")
} else {
  // Loaded only here: the usual start (a new enough Node) pays for none of them.
  const [{ spawn }, { existsSync }, { dirname, join }, { fileURLToPath }] = await Promise.all([
    import("node:child_process"),
    import("node:fs"),
    import("node:path"),
    import("node:url")
  ])
  const self = fileURLToPath(import.meta.url)
  const root = dirname(dirname(self))
  const own = join(root, "node_modules", "node", "bin", "node")
  if (!existsSync(own)) {
    process.stderr.write(
      `plexum-minimax-provider needs Node >= ${NEEDED.join(".")} and found ${process.version} at ${process.execPath}: ` +
        `run \`npm install\` in ${root} (it brings the project's own Node 24), or start it with a newer node: /path/to/node ${self}\n`
    )
    process.exit(1)
  }
  const child = spawn(own, [...process.execArgv, self, ...process.argv.slice(2)], { stdio: "inherit" })
  const forwarded = ["SIGTERM", "SIGINT", "SIGHUP"]
  for (const signal of forwarded) process.on(signal, () => child.kill(signal))
  child.on("error", (error) => {
    process.stderr.write(`plexum-minimax-provider could not start ${own}: ${error.message}\n`)
    process.exit(1)
  })
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    for (const each of forwarded) process.removeAllListeners(each)
    process.kill(process.pid, signal)
  })
}
