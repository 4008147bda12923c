/**
 * `npm run fake-minimax -- --port N [--x-api-key]`: the fake MiniMax on its own, for trying
 * the plugin by hand (set base_url to the printed address).
 */
import { startFakeMinimax } from "./FakeMinimax.ts"

const args = process.argv.slice(2)
const portArg = args.indexOf("--port")
const port = portArg === -1 ? 0 : Number(args[portArg + 1])
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write("usage: npm run fake-minimax -- [--port N] [--x-api-key]\n")
  process.exit(2)
}
const fake = await startFakeMinimax({ port, authField: args.includes("--x-api-key") ? "x-api-key" : "bearer" })
process.stdout.write(`fake MiniMax listening; set base_url to ${fake.baseUrl}\n`)
process.stdout.write(`keys: sk-cp-… (Token Plan, no highspeed), sk-api-… (funded), sk-api-…empty… (no balance)\n`)
const stop = () => void fake.close().then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
