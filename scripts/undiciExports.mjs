// platform-node's Undici.js re-exports undici's CommonJS with `export *`, whose names a split
// chunk cannot know ahead of time (the lazily imported chunk came out without `Agent`). The
// build puts this module in its place: the names platform-node's client uses, spelled out.
import Undici from "undici"

export const { Agent, FormData, getGlobalDispatcher } = Undici
export default Undici
