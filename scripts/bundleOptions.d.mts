import type { BuildOptions } from "esbuild"

/** esbuild's options for a bundle of the plugin's kind (ESM for Node, chunks split); add entry points and an outdir. */
export declare const bundleOptions: BuildOptions
