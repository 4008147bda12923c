/**
 * The file system the plugin serves with: `stat` and `readFileString` (all that reading
 * config.json needs), on node:fs; anything else behaves as effect's `FileSystem.makeNoop` says
 * (nothing is there, or not implemented). platform-node's NodeFileSystem would
 * do as well, but it imports node:crypto (for temporary file names), and loading that was about
 * 12 ms of every start before `initialize` is answered. The CLI uses the whole NodeFileSystem.
 */
import { readFile, stat, type Stats } from "node:fs"
import { ByteSize, Effect, FileSystem, Layer, Option, PlatformError } from "effect"

const fileType = (stats: Stats): FileSystem.File.Type =>
  stats.isFile()
    ? "File"
    : stats.isDirectory()
    ? "Directory"
    : stats.isSymbolicLink()
    ? "SymbolicLink"
    : stats.isBlockDevice()
    ? "BlockDevice"
    : stats.isCharacterDevice()
    ? "CharacterDevice"
    : stats.isFIFO()
    ? "FIFO"
    : stats.isSocket()
    ? "Socket"
    : "Unknown"

const infoOf = (stats: Stats): FileSystem.File.Info => ({
  type: fileType(stats),
  mtime: Option.some(stats.mtime),
  atime: Option.some(stats.atime),
  birthtime: Option.some(stats.birthtime),
  dev: BigInt(stats.dev),
  ino: Option.some(BigInt(stats.ino)),
  mode: stats.mode,
  nlink: Option.some(BigInt(stats.nlink)),
  uid: Option.some(stats.uid),
  gid: Option.some(stats.gid),
  rdev: Option.some(BigInt(stats.rdev)),
  size: ByteSize.bytes(stats.size),
  blksize: Option.some(ByteSize.bytes(stats.blksize)),
  blocks: Option.some(BigInt(stats.blocks))
})

const failure = (method: string, path: string, error: NodeJS.ErrnoException) =>
  PlatformError.systemError({
    _tag: error.code === "ENOENT" ? "NotFound" : error.code === "EACCES" || error.code === "EPERM" ? "PermissionDenied" : "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    syscall: error.syscall,
    cause: error
  })

export const ConfigFileSystem: Layer.Layer<FileSystem.FileSystem> = FileSystem.layerNoop({
  stat: (path) =>
    Effect.callback<FileSystem.File.Info, PlatformError.PlatformError>((resume) => {
      stat(path, (error, stats) => resume(error === null ? Effect.succeed(infoOf(stats)) : Effect.fail(failure("stat", path, error))))
    }),
  readFileString: (path) =>
    Effect.callback<string, PlatformError.PlatformError>((resume, signal) => {
      readFile(path, { encoding: "utf8", signal }, (error, text) =>
        resume(error === null ? Effect.succeed(text) : Effect.fail(failure("readFile", path, error))))
    })
})
