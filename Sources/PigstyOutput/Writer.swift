import PigstyModel
import CLinux
import Crypto
import Foundation
import PigstyDiagnostics
import PigstyYAML
#if canImport(Glibc)
import Glibc
#endif

/// write: a `FileTree` on disk as `DIR/<node>/files/<absolute path>` plus `DIR/<node>/manifest.json`,
/// and whatever per-node files `additions` gives (the deploy layer adds `apply.list` and `apply.sh`).
/// Everything is written into a staging directory next to DIR and renamed into place at the end,
/// so a failed run leaves DIR as it was.
public struct TreeWriter {
    public let tree: FileTree
    /// Files written beside a node's `files/` and `manifest.json`, relative to the node's directory,
    /// from its files and their sha256 digests (in the same order).
    public typealias NodeAdditions = @Sendable (_ node: String, _ files: [GeneratedFile], _ digests: [String])
        -> [(name: String, content: String, mode: Int)]
    public let additions: NodeAdditions

    public init(tree: FileTree, additions: @escaping NodeAdditions) {
        self.tree = tree
        self.additions = additions
    }

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
        for extra in additions(node, files, digests) { out.append((node + "/" + extra.name, extra.content, extra.mode)) }
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

    /// The bundles of `nodes`, in that order, made side by side.
    public func bundles(_ nodes: [String]) -> [(node: String, bytes: [UInt8])] {
        concurrentMap(nodes.count) { (nodes[$0], bundle(node: nodes[$0])) }
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

    /// What `write(to:)` did, per node directory.
    public struct WriteSummary: Sendable, Equatable {
        /// Nodes whose directory was written (new or changed).
        public var written = 0
        /// Nodes whose directory already held exactly these files and was left as it was.
        public var unchanged = 0
        /// Entries of DIR that no longer belong there (nodes gone from the inventory, strays), removed.
        public var removed = 0

        /// `3 nodes written, 9997 unchanged, 1 removed` (parts that are zero left out, except `written`).
        public var description: String {
            var parts = ["\(written) node\(written == 1 ? "" : "s") written"]
            if unchanged > 0 { parts.append("\(unchanged) unchanged") }
            if removed > 0 { parts.append("\(removed) removed") }
            return parts.joined(separator: ", ")
        }
    }

    /// Writes the tree to `dir`, replacing what was there (a `.gitkeep` at its top is kept).
    ///
    /// A fresh DIR is written into a staging directory next to it and renamed into place. When DIR
    /// is already a directory, each node directory that holds exactly what would be written (same
    /// files, bytes, modes and owner, nothing else) is left alone, and every other node is written
    /// into staging and swapped in whole (an atomic exchange where the file system has one). So a
    /// failed run leaves DIR as it was, a run stopped while swapping leaves every node directory
    /// either old or new, and a recompile after a small change writes only the nodes it changes.
    @discardableResult
    public func write(to dir: String) throws -> WriteSummary {
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let name = target.lastPathComponent
        let staging = parent.appendingPathComponent(".\(name).pigstyc-staging-\(pid)")
        let old = parent.appendingPathComponent(".\(name).pigstyc-old-\(pid)")
        Self.removeLeftovers(of: name, in: parent.path)
        try? FileManager.default.removeItem(at: staging)
        var st = stat()
        do {
            if lstat(target.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                return try update(target.path, staging: staging.path, old: old.path)
            }
            try replace(target, staging: staging, old: old)
            return WriteSummary(written: tree.nodes.count)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write \(dir): \(error.localizedDescription)")
        }
    }

    /// Writes the whole tree into `staging` and renames it over `target` (which is not a directory,
    /// or does not exist).
    private func replace(_ target: URL, staging: URL, old: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let nodes = tree.nodeNames
        let errors = concurrentMap(nodes.count) { i -> Error? in
            do { try write(outputs(node: nodes[i]), under: staging.path) } catch { return error }
            return nil
        }
        if let first = errors.compactMap({ $0 }).first { throw first }
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
    }

    /// Brings the existing directory `target` up to date node by node (see `write(to:)`).
    private func update(_ target: String, staging: String, old: String) throws -> WriteSummary {
        let fm = FileManager.default
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { Self.removeTree(staging) }
        let nodes = tree.nodeNames
        // Per node: nil when its directory is up to date, else whether writing it into staging failed.
        let results = concurrentMap(nodes.count) { i -> Result<Void, Error>? in
            let outputs = outputs(node: nodes[i])
            if Self.holdsExactly(outputs, in: target, node: nodes[i]) { return nil }
            do { try write(outputs, under: staging, reusing: target) } catch { return .failure(error) }
            return .success(())
        }
        for case .failure(let error)? in results { throw error }
        let changed = nodes.indices.filter { results[$0] != nil }.map { nodes[$0] }
        let current = Set(nodes)
        let stray = ((try? fm.contentsOfDirectory(atPath: target)) ?? [])
            .filter { !current.contains($0) && $0 != ".gitkeep" }.sorted()
        guard !changed.isEmpty || !stray.isEmpty else { return WriteSummary(unchanged: nodes.count) }
        try fm.createDirectory(atPath: old, withIntermediateDirectories: true)
        defer { Self.removeTree(old) }
        var swaps = Swaps()
        do {
            for node in changed { try swaps.put(staging + "/" + node, at: target + "/" + node, old: old + "/" + node) }
            for entry in stray { try swaps.move(target + "/" + entry, to: old + "/" + entry) }
        } catch {
            swaps.undo()
            throw error
        }
        return WriteSummary(written: changed.count, unchanged: nodes.count - changed.count, removed: stray.count)
    }

    /// The renames that put new node directories in place, in order, so they can be undone.
    struct Swaps {
        private enum Step { case exchanged(String, String), moved(String, String) }
        private var done: [Step] = []

        /// Puts `new` at `path`: one exchange where it exists (the previous version ends up at
        /// `new`), or a rename; where the file system cannot exchange, the previous version is
        /// moved to `old` first.
        mutating func put(_ new: String, at path: String, old: String) throws {
            var st = stat()
            guard lstat(path, &st) == 0 else { return try move(new, to: path) }
            if pigstyc_exchange(new, path) == 0 {
                done.append(.exchanged(new, path))
                return
            }
            guard errno == EINVAL || errno == ENOSYS || errno == ENOTSUP else { throw Self.error("replace", path) }
            try move(path, to: old)
            try move(new, to: path)
        }

        mutating func move(_ from: String, to: String) throws {
            guard rename(from, to) == 0 else { throw Self.error("move", from) }
            done.append(.moved(from, to))
        }

        /// Puts back what was moved or exchanged, newest first (best effort: this runs after an error).
        func undo() {
            for step in done.reversed() {
                switch step {
                case .exchanged(let a, let b): _ = pigstyc_exchange(a, b)
                case .moved(let from, let to): _ = rename(to, from)
                }
            }
        }

        private static func error(_ verb: String, _ path: String) -> WriteError {
            WriteError(description: "cannot \(verb) \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes staging and old directories that a stopped run of pigstyc left next to DIR (their
    /// process is gone).
    private static func removeLeftovers(of name: String, in parent: String) {
        let prefixes = [".\(name).pigstyc-staging-", ".\(name).pigstyc-old-"]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            guard let prefix = prefixes.first(where: { entry.hasPrefix($0) }),
                  let pid = Int32(entry.dropFirst(prefix.count)), pid > 0,
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            removeTree(parent + "/" + entry)
        }
    }

    /// Writes one node's outputs (paths relative to `root`). A file that `previous` (an earlier
    /// output directory) holds exactly as it would be written is hard-linked from there instead:
    /// on a disk, linking costs a fraction of writing (no data to allocate and write back).
    private func write(_ outputs: [(path: String, content: String, mode: Int)], under root: String,
                       reusing previous: String? = nil) throws {
        var made: Set<String> = [root]
        var buffer: [UInt8] = []
        for (path, content, mode) in outputs {
            let file = root + "/" + path
            try Self.makeDirectories(FilePaths.parent(file), made: &made)
            if let previous, Self.link(previous + "/" + path, to: file, ifHolding: (content, mode), buffer: &buffer) { continue }
            try Self.writeFile(file, content, mode: mode)
        }
    }

    /// Hard-links `source` to `path` when `source` is a regular file of this user holding exactly
    /// `want`; false when it is not (or cannot be linked), and nothing was done.
    private static func link(_ source: String, to path: String, ifHolding want: (content: String, mode: Int),
                             buffer: inout [UInt8]) -> Bool {
        holds(source, want, buffer: &buffer) && Glibc.link(source, path) == 0
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

    /// Whether `root/<node>` holds exactly `outputs` as this process would write them: the same
    /// regular files with the same bytes and modes, owned by this user, in directories with the
    /// mode `mkdir` gives, and nothing else (no other file, directory or link). The manifest,
    /// which lists every file's checksum, is compared first: a changed node fails there.
    static func holdsExactly(_ outputs: [(path: String, content: String, mode: Int)], in root: String, node: String) -> Bool {
        var expected: [String: (content: String, mode: Int)] = [:]
        var dirs: Set<String> = [node]
        expected.reserveCapacity(outputs.count)
        for (path, content, mode) in outputs {
            expected[path] = (content, mode)
            var dir = FilePaths.parent("/" + path)
            while dir != "/", dirs.insert(String(dir.dropFirst())).inserted { dir = FilePaths.parent(dir) }
        }
        var buffer: [UInt8] = []
        let manifest = node + "/manifest.json"
        if let m = expected.removeValue(forKey: manifest), !holds(root + "/" + manifest, m, buffer: &buffer) { return false }
        var files = 0
        return tree(root, node, expected: expected, dirs: dirs, skipping: manifest, files: &files, buffer: &buffer)
            && files == expected.count
    }

    /// The directory mode `mkdir(path, 0755)` gives under this process's umask.
    private static let directoryMode = mode_t(0o755) & ~umaskBits

    /// Walks `root/rel` (a directory, with this user and `directoryMode`): every entry must be an
    /// expected directory (walked in turn), the file already `checked`, or an expected file
    /// (compared). Counts the compared files into `files`.
    private static func tree(_ root: String, _ rel: String, expected: [String: (content: String, mode: Int)],
                             dirs: Set<String>, skipping checked: String, files: inout Int, buffer: inout [UInt8]) -> Bool {
        let path = root + "/" + rel
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_mode & 0o7777 == directoryMode,
              st.st_uid == geteuid(), let d = opendir(path) else { return false }
        defer { closedir(d) }
        var subdirs: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let child = rel + "/" + name
            if dirs.contains(child) { subdirs.append(child); continue }
            if child == checked { continue }
            guard let want = expected[child] else { return false }
            // Opened where it is (no second path lookup).
            guard holds(openat(dirfd(d), name, readFlags), want, buffer: &buffer) else { return false }
            files += 1
        }
        return subdirs.allSatisfy {
            tree(root, $0, expected: expected, dirs: dirs, skipping: checked, files: &files, buffer: &buffer)
        }
    }

    /// How files are opened to be compared: a link or a FIFO in a file's place fails, without blocking.
    private static let readFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC

    /// `holds(_:_:buffer:)` for the file at `path`.
    private static func holds(_ path: String, _ want: (content: String, mode: Int), buffer: inout [UInt8]) -> Bool {
        holds(open(path, readFlags), want, buffer: &buffer)
    }

    /// Whether `fd` (closed here; negative: a failed open) is a regular file of this user with
    /// exactly `want`'s mode and bytes. `buffer` is scratch space, kept between calls.
    private static func holds(_ fd: Int32, _ want: (content: String, mode: Int), buffer: inout [UInt8]) -> Bool {
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        var content = want.content
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_mode & 0o7777) == want.mode,
              st.st_uid == geteuid(), Int(st.st_size) == content.utf8.count else { return false }
        // One byte more than expected, to see a file that grew since fstat.
        if buffer.count < st.st_size + 1 { buffer = [UInt8](repeating: 0, count: Int(st.st_size) + 1) }
        return content.withUTF8 { bytes in
            buffer.withUnsafeMutableBytes { have in
                var filled = 0
                while filled <= bytes.count {
                    let n = read(fd, have.baseAddress! + filled, bytes.count + 1 - filled)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { break }
                    filled += n
                }
                return filled == bytes.count && (bytes.isEmpty || memcmp(have.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            }
        }
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

    /// Compares the tree with what `dir` holds: paths (relative to DIR) whose bytes differ, that
    /// are missing or are extra, sorted by path; empty means up to date. Modes and owners are not
    /// compared: golden trees checked out of git do not keep them (each manifest lists the modes,
    /// and is compared). Nodes are compared side by side; a node directory that holds exactly
    /// what would be written is settled without listing it.
    public func differences(from dir: String) -> [String] {
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        let nodes = tree.nodeNames
        var out = concurrentMap(nodes.count) { i -> [String] in
            let outputs = outputs(node: nodes[i])
            return Self.holdsExactly(outputs, in: root, node: nodes[i]) ? [] : Self.differences(outputs, in: root, under: nodes[i])
        }.flatMap { $0 }
        let current = Set(nodes)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        where !current.contains(entry) && entry != ".gitkeep" {
            out += Self.differences([], in: root, under: entry)
        }
        return out.sorted { $0.dropFirst(9) < $1.dropFirst(9) }
    }

    /// The differences between `outputs` (paths relative to `root`, all under `rel`) and the files
    /// under `root/rel` (a directory or a single file).
    private static func differences(_ outputs: [(path: String, content: String, mode: Int)], in root: String,
                                    under rel: String) -> [String] {
        let fm = FileManager.default
        var expected: [String: String] = [:]
        for (path, content, _) in outputs { expected[path] = content }
        var present: [String] = []
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: root + "/" + rel, isDirectory: &isDir) {
            if !isDir.boolValue {
                present = [rel]
            } else if let e = fm.enumerator(atPath: root + "/" + rel) {
                while let sub = e.nextObject() as? String {
                    let path = rel + "/" + sub
                    if fm.fileExists(atPath: root + "/" + path, isDirectory: &isDir), !isDir.boolValue { present.append(path) }
                }
            }
        }
        var out: [String] = []
        for path in present {
            guard let want = expected.removeValue(forKey: path) else { out.append("extra:   \(path)"); continue }
            if fm.contents(atPath: root + "/" + path) != Data(want.utf8) { out.append("changed: \(path)") }
        }
        out += expected.keys.map { "missing: \($0)" }
        return out
    }
}
