import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// write: a `FileTree` on disk as `DIR/<node>/files/<absolute path>` plus `DIR/<node>/manifest.json`,
/// `DIR/<node>/apply.list` and `DIR/<node>/apply.sh` (see `ApplyBundle`).
/// Everything is written into a staging directory next to DIR and renamed into place at the end,
/// so a failed run leaves DIR as it was.
public struct TreeWriter {
    public let tree: FileTree

    public init(tree: FileTree) { self.tree = tree }

    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One manifest entry.
    struct Entry: Codable {
        let path: String
        let sha256: String
        let size: Int
        let owner: String
        let group: String
        let mode: String
        let producer: String
    }

    struct Manifest: Codable {
        let node: String
        let files: [Entry]
    }

    /// Every output file, relative to DIR, with its bytes and permission bits.
    public func outputs() -> [(path: String, bytes: [UInt8], mode: Int)] {
        tree.nodeNames.flatMap { outputs(node: $0) }
    }

    /// One node's output files, relative to DIR (`<node>/…`).
    public func outputs(node: String) -> [(path: String, bytes: [UInt8], mode: Int)] {
        var out: [(String, [UInt8], Int)] = []
        var entries: [Entry] = []
        let files = tree.files(on: node)
        for f in files {
            let bytes = Array(f.content.utf8)
            entries.append(Entry(path: f.path, sha256: Self.sha256(bytes), size: bytes.count, owner: f.owner,
                                 group: f.group, mode: f.modeText, producer: f.producer))
            out.append(("\(node)/files\(f.path)", bytes, f.mode))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(Manifest(node: node, files: entries))) ?? Data()
        out.append(("\(node)/manifest.json", Array(json) + [0x0A], 0o644))
        out.append(("\(node)/apply.list", Array(ApplyBundle.list(node: node, files: files).utf8), 0o644))
        out.append(("\(node)/apply.sh", Array(ApplyBundle.script.utf8), 0o755))
        return out
    }

    /// One node's bundle: its files, `manifest.json`, `apply.list` and `apply.sh` under `<node>/`,
    /// with directory entries, sorted, as a deterministic `.tar.gz`.
    public func bundle(node: String) -> [UInt8] {
        var entries: [Tarball.Entry] = []
        var dirs = Set<String>()
        for (path, bytes, mode) in outputs(node: node) {
            entries.append(Tarball.Entry(path: path, bytes: bytes, mode: mode))
            var p = Substring(path)
            while let i = p.lastIndex(of: "/") {
                p = p[..<i]
                dirs.insert(String(p))
            }
        }
        entries += dirs.map { Tarball.Entry(path: $0 + "/", bytes: [], mode: 0o755, isDirectory: true) }
        entries.sort { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        return Tarball.tarGz(entries)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func sha256(_ bytes: [UInt8]) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Writes the tree to `dir`, replacing what was there (a `.gitkeep` at its top is kept).
    public func write(to dir: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).pigstyc-staging-\(pid)")
        let old = parent.appendingPathComponent(".\(target.lastPathComponent).pigstyc-old-\(pid)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            var made: Set<String> = [staging.path]
            for (path, bytes, mode) in outputs() {
                let file = staging.path + "/" + path
                let dir = String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
                if !made.contains(dir) {
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    made.insert(dir)
                }
                try Self.writeFile(file, bytes, mode: mode)
            }
            let keep = target.appendingPathComponent(".gitkeep")
            if fm.fileExists(atPath: keep.path) {
                try fm.copyItem(at: keep, to: staging.appendingPathComponent(".gitkeep"))
            }
            var hadOld = false
            if fm.fileExists(atPath: target.path) {
                try fm.moveItem(at: target, to: old)
                hadOld = true
            }
            do {
                try fm.moveItem(at: staging, to: target)
            } catch {
                if hadOld { try? fm.moveItem(at: old, to: target) }
                throw error
            }
            if hadOld { try? fm.removeItem(at: old) }
        } catch {
            try? fm.removeItem(at: staging)
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write \(dir): \(error.localizedDescription)")
        }
    }

    /// One file, created exclusively with its final mode (no window with wider permissions), no fsync:
    /// the rename of the whole tree is what makes the output visible.
    private static func writeFile(_ path: String, _ bytes: [UInt8], mode: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw WriteError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // The umask may have narrowed the mode; set it exactly.
        _ = fchmod(fd, mode_t(mode))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Compares the tree with what `dir` holds: paths (relative to DIR) that differ, are missing
    /// or are extra. Empty means up to date.
    public func differences(from dir: String) -> [String] {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: dir)
        var expected: [String: [UInt8]] = [:]
        for (path, bytes, _) in outputs() { expected[path] = bytes }
        var out: [String] = []
        var present = Set<String>()
        if let e = fm.enumerator(atPath: root.path) {
            while let rel = e.nextObject() as? String {
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: root.appendingPathComponent(rel).path, isDirectory: &isDir), !isDir.boolValue,
                      rel != ".gitkeep" else { continue }
                present.insert(rel)
                if let want = expected[rel] {
                    let have = fm.contents(atPath: root.appendingPathComponent(rel).path).map { [UInt8]($0) }
                    if have != want { out.append("changed: \(rel)") }
                } else {
                    out.append("extra:   \(rel)")
                }
            }
        }
        for path in expected.keys where !present.contains(path) { out.append("missing: \(path)") }
        return out.sorted { $0.dropFirst(9) < $1.dropFirst(9) }
    }
}
