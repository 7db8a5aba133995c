import Crypto
import Foundation
import PigstyDiagnostics
import PigstyYAML
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

    /// One node's manifest: every file with its sha256, size, owner, group, mode and producer,
    /// as pretty JSON with sorted keys (written by hand: it is on the hot path of large trees).
    /// `digests` are the files' sha256, in the order of `files`.
    static func manifest(node: String, files: [GeneratedFile], digests: [String]) -> String {
        var out = "{\n  \"files\" : ["
        out.reserveCapacity(files.count * 320 + 64)
        for (i, f) in files.enumerated() {
            out += i == 0 ? "\n    {\n      \"group\" : " : ",\n    {\n      \"group\" : "
            Quoting.appendJSON(f.group, to: &out)
            out += ",\n      \"mode\" : \""
            out += f.modeText
            out += "\",\n      \"owner\" : "
            Quoting.appendJSON(f.owner, to: &out)
            out += ",\n      \"path\" : "
            Quoting.appendJSON(f.path, to: &out)
            out += ",\n      \"producer\" : "
            Quoting.appendJSON(f.producer, to: &out)
            out += ",\n      \"sha256\" : \""
            out += digests[i]
            out += "\",\n      \"size\" : "
            out += String(f.content.utf8.count)
            out += "\n    }"
        }
        out += files.isEmpty ? "\n\n  ],\n" : "\n  ],\n"
        out += "  \"node\" : "
        out += Quoting.json(node)
        out += "\n}\n"
        return out
    }

    /// One node's outputs, relative to DIR: its files, its manifest, apply.list and apply.sh.
    func outputs(node: String) -> [(path: String, content: String, mode: Int)] {
        let files = tree.files(on: node)
        let digests = files.map { Self.sha256($0.content) }
        var out: [(path: String, content: String, mode: Int)] = []
        out.reserveCapacity(files.count + 3)
        let prefix = node + "/files"
        for f in files { out.append((prefix + f.path, f.content, f.mode)) }
        out.append((node + "/manifest.json", Self.manifest(node: node, files: files, digests: digests), 0o644))
        out.append((node + "/apply.list", ApplyBundle.list(node: node, files: files, digests: digests), 0o644))
        out.append((node + "/apply.sh", ApplyBundle.script, 0o755))
        return out
    }

    /// Every output file, relative to DIR, with its bytes and permission bits.
    public func outputs() -> [(path: String, bytes: [UInt8], mode: Int)] {
        tree.nodeNames.flatMap { node in outputs(node: node).map { ($0.path, Array($0.content.utf8), $0.mode) } }
    }

    /// One node's bundle: its files, `manifest.json`, `apply.list` and `apply.sh` under `<node>/`,
    /// with directory entries, sorted, as a deterministic `.tar.gz`.
    public func bundle(node: String) -> [UInt8] {
        var entries: [Tarball.Entry] = []
        var dirs = Set<String>()
        for (path, content, mode) in outputs(node: node) {
            entries.append(Tarball.Entry(path: path, bytes: Array(content.utf8), mode: mode))
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
        hex(SHA256.hash(data: bytes))
    }

    /// The sha256 of a string's UTF-8 bytes, hashed in place.
    public static func sha256(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(SHA256.hash(data: $0)) }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
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
            try writeNodes(into: staging.path)
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
            if hadOld { Self.removeTree(old.path) }
        } catch {
            try? fm.removeItem(at: staging)
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write \(dir): \(error.localizedDescription)")
        }
    }

    /// Writes every node's outputs under `root`, nodes side by side (they share no directory
    /// below `root`). The first error in node order is the one reported.
    private func writeNodes(into root: String) throws {
        let nodes = tree.nodeNames
        let errors = concurrentMap(nodes.count) { i -> Error? in
            do {
                var made: Set<String> = [root]
                for (path, content, mode) in outputs(node: nodes[i]) {
                    let file = root + "/" + path
                    try Self.makeDirectories(ApplyBundle.parent(file), made: &made)
                    try Self.writeFile(file, content, mode: mode)
                }
                return nil
            } catch {
                return error
            }
        }
        if let first = errors.compactMap({ $0 }).first { throw first }
    }

    /// Removes a previous output tree, its node directories side by side.
    private static func removeTree(_ path: String) {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        DispatchQueue.concurrentPerform(iterations: entries.count) { i in
            try? FileManager.default.removeItem(atPath: path + "/" + entries[i])
        }
        try? fm.removeItem(atPath: path)
    }

    /// `mkdir -p` with a cache of directories already made by this writer.
    private static func makeDirectories(_ dir: String, made: inout Set<String>) throws {
        if made.contains(dir) { return }
        if let slash = dir.utf8.lastIndex(of: UInt8(ascii: "/")), slash != dir.startIndex {
            try makeDirectories(String(dir[..<slash]), made: &made)
        }
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw WriteError(description: "cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        made.insert(dir)
    }

    /// The process's umask, read once (reading it means setting it, so it is put straight back).
    private static let umaskBits: mode_t = {
        let bits = umask(0o022)
        umask(bits)
        return bits
    }()

    private static func writeFile(_ path: String, _ content: String, mode: Int) throws {
        var content = content
        try content.withUTF8 { try writeFile(path, $0, mode: mode) }
    }

    /// One file, created exclusively with its final mode (no window with wider permissions), no fsync:
    /// the rename of the whole tree is what makes the output visible.
    private static func writeFile(_ path: String, _ bytes: UnsafeBufferPointer<UInt8>, mode: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw WriteError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // The umask may have narrowed the mode; set it exactly (only then: it costs a system call per file).
        if Self.umaskBits & mode_t(mode) != 0 { _ = fchmod(fd, mode_t(mode)) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
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
