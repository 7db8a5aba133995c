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
    static func manifest(node: String, files: [GeneratedFile], digests: [String],
                         objects: NodeObjects = NodeObjects()) -> String {
        var out = "{\n"
        // Node objects, each kind only when the node has some (keys stay sorted).
        func entries<T>(_ key: String, _ items: [T], _ fields: (T) -> [(String, String)]) {
            guard !items.isEmpty else { return }
            out += "  \"\(key)\" : ["
            for (i, item) in items.enumerated() {
                out += i == 0 ? "\n    {" : ",\n    {"
                for (j, (k, v)) in fields(item).enumerated() {
                    out += j == 0 ? "\n      " : ",\n      "
                    Quoting.appendJSON(k, to: &out)
                    out += " : "
                    out += v
                }
                out += "\n    }"
            }
            out += "\n  ],\n"
        }
        func j(_ s: String) -> String { Quoting.json(s) }
        // User accounts ("accounts": the node's name stays the manifest's last key).
        entries("accounts", objects.sortedUsers) { u in
            [("comment", j(u.comment)), ("group", j(u.group)), ("groups", "[" + u.groups.map(j).joined(separator: ", ") + "]"),
             ("home", j(u.home)), ("name", j(u.name)), ("producer", j(u.producer)), ("shell", j(u.shell)),
             ("step", j(u.step.rawValue)), ("system", u.system ? "true" : "false"), ("uid", u.uid.map(String.init) ?? "null")]
        }
        entries("directories", objects.sortedDirectories) { d in
            [("group", j(d.group)), ("mode", j(GeneratedFile.modeText(d.mode))), ("owner", j(d.owner)),
             ("path", j(d.path)), ("producer", j(d.producer)), ("step", j(d.step.rawValue))]
        }
        out += "  \"files\" : ["
        out.reserveCapacity(files.count * 320 + 64)
        for (i, f) in files.enumerated() {
            out += i == 0 ? "\n    {\n      " : ",\n    {\n      "
            if let unit = f.apply.afterStart {
                out += "\"after_start\" : "
                Quoting.appendJSON(unit, to: &out)
                out += ",\n      "
            }
            out += "\"group\" : "
            Quoting.appendJSON(f.group, to: &out)
            out += ",\n      \"mode\" : \""
            out += f.modeText
            out += "\",\n      \"owner\" : "
            Quoting.appendJSON(f.owner, to: &out)
            out += ",\n      \"path\" : "
            Quoting.appendJSON(f.path, to: &out)
            if f.placement == .managedBlock { out += ",\n      \"placement\" : \"managed-block\"" }
            out += ",\n      \"producer\" : "
            Quoting.appendJSON(f.producer, to: &out)
            out += ",\n      \"sha256\" : \""
            out += digests[i]
            out += "\",\n      \"size\" : "
            out += String(f.content.utf8.count)
            out += "\n    }"
        }
        out += files.isEmpty ? "\n\n  ],\n" : "\n  ],\n"
        entries("groups", objects.sortedGroups) { g in
            [("gid", g.gid.map(String.init) ?? "null"), ("name", j(g.name)), ("producer", j(g.producer)),
             ("step", j(g.step.rawValue)), ("system", g.system ? "true" : "false")]
        }
        entries("lifecycle_actions", objects.sortedActions) { a in
            [("command", j(a.command)), ("inputs", "[" + a.inputs.map(j).joined(separator: ", ") + "]"), ("name", j(a.name)),
             ("producer", j(a.producer)), ("step", j(a.step.rawValue)), ("when", a.when.map(j) ?? "null")]
        }
        entries("lifecycle_services", objects.sortedServices) { s in
            [("check", s.check.map(j) ?? "null"), ("producer", j(s.producer)), ("step", j(s.step.rawValue)),
             ("timeout", String(s.timeout)), ("unit", j(s.unit)), ("verify", s.verify.map(j) ?? "null")]
        }
        entries("links", objects.sortedLinks) { l in
            [("group", j(l.group)), ("owner", j(l.owner)), ("path", j(l.path)), ("producer", j(l.producer)),
             ("step", j(l.step.rawValue)), ("target", j(l.target))]
        }
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
        out.append((node + "/manifest.json", Self.manifest(node: node, files: files, digests: digests,
                                                           objects: tree.objects(on: node)), 0o644))
        for extra in additions(node, files, digests) { out.append((node + "/" + extra.name, extra.content, extra.mode)) }
        return out
    }

    /// Every output file, relative to DIR, with its bytes and permission bits.
    public func outputs() -> [(path: String, bytes: [UInt8], mode: Int)] {
        tree.nodeNames.flatMap { node in outputs(node: node).map { ($0.path, Array($0.content.utf8), $0.mode) } }
    }

    /// One node's bundle: its files, `manifest.json`, `apply.list` and `apply.sh` under `<node>/`,
    /// with directory entries, sorted, as a deterministic `.tar.gz`.
    /// With `signer`, the bundle also holds `apply.list.sig`: apply.list signed (apply.list names
    /// the sha256 of every file, so the signature covers them all); apply.sh checks it when the node
    /// has the public key.
    public func bundle(node: String, signer: BundleSigner? = nil) -> [UInt8] {
        var entries: [Tarball.Entry] = []
        var dirs = Set<String>()
        for (path, content, mode) in outputs(node: node) {
            entries.append(Tarball.Entry(path: path, bytes: Array(content.utf8), mode: mode))
            if let signer, path == node + "/apply.list" {
                entries.append(Tarball.Entry(path: path + ".sig", bytes: signer.sign(Array(content.utf8)), mode: 0o644))
            }
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
    public func bundles(_ nodes: [String], signer: BundleSigner? = nil) -> [(node: String, bytes: [UInt8])] {
        concurrentMap(nodes.count) { (nodes[$0], bundle(node: nodes[$0], signer: signer)) }
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
        /// Node directories of earlier runs (their `manifest.json` names them) whose node is gone
        /// from the inventory, removed.
        public var removed = 0
        /// Entries of DIR that pigstyc did not write (no node directory, not the marker, not
        /// `.gitkeep`), sorted: left alone.
        public var foreign: [String] = []

        public init(written: Int = 0, unchanged: Int = 0, removed: Int = 0, foreign: [String] = []) {
            self.written = written
            self.unchanged = unchanged
            self.removed = removed
            self.foreign = foreign
        }

        /// `3 nodes written, 9997 unchanged, 1 removed` (parts that are zero left out, except `written`).
        public var description: String {
            var parts = ["\(written) node\(written == 1 ? "" : "s") written"]
            if unchanged > 0 { parts.append("\(unchanged) unchanged") }
            if removed > 0 { parts.append("\(removed) removed") }
            return parts.joined(separator: ", ")
        }
    }

    /// The file that marks a directory as pigstyc's output. pigstyc writes into a directory that
    /// has it, is empty (or holds only `.gitkeep`), holds only node directories of earlier runs,
    /// or does not exist; any other directory is refused.
    public static let markerName = ".pigstyc-output"
    /// The marker's content: fixed (no time stamp), its first line names the format version.
    public static let markerContent = """
        pigstyc-output 1
        This directory is written by `pigstyc compile`. pigstyc replaces and removes only the node
        directories in it (those whose manifest.json names them); it leaves everything else alone.

        """
    private static let markerPrefix = Array("pigstyc-output ".utf8)

    /// Writes the tree to `dir`: each node's directory, and the marker.
    ///
    /// DIR is made when missing. An existing DIR must be pigstyc's output (see `markerName`), else
    /// the write is refused; a symbolic link or a file at DIR is refused too (nothing is followed
    /// or replaced). DIR itself is locked (`flock`) for the whole write: a second writer waits
    /// (`onWait` is called first, once, with DIR), so writes into one DIR never mix.
    ///
    /// Each node directory that holds exactly what would be written (same files, bytes, modes and
    /// owner, nothing else) is left alone, and every other node is written into staging next to
    /// DIR and swapped in whole (an atomic exchange where the file system has one). Node
    /// directories of earlier runs whose node is gone are removed; every other entry of DIR is
    /// reported in `foreign` and left alone. A failed run leaves DIR as it was, a run stopped
    /// while swapping leaves every node directory either old or new, and a recompile after a
    /// small change writes only the nodes it changes. Everything is removed without following
    /// links (`unlinkat` relative to directories opened with `O_NOFOLLOW`).
    @discardableResult
    public func write(to dir: String, onWait: ((String) -> Void)? = nil) throws -> WriteSummary {
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        let name = target.lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw WriteError(description: "cannot write \(dir): pigstyc writes into a directory it can name inside its parent; give a path such as out/")
        }
        let parentPath = target.deletingLastPathComponent().path
        let parent = try Self.openParent(parentPath, dir: dir)
        defer { close(parent) }
        let (fd, created) = try Self.openAndLock(parent, name, dir: dir, onWait: onWait)
        defer { close(fd) }
        let path = (parentPath == "/" ? "" : parentPath) + "/" + name
        do {
            return try update(fd, path: path, shown: dir, parent: parent, name: name)
        } catch {
            // A DIR this run made is taken away again: a failed run leaves things as they were.
            if created { Self.removeTree(at: parent, name) }
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write \(dir): \(error.localizedDescription)")
        }
    }

    /// The directory DIR goes in, opened (made first when missing).
    private static func openParent(_ path: String, dir: String) throws -> Int32 {
        var fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw cannot("write \(dir)", "cannot open its parent directory \(path)") }
        return fd
    }

    /// Opens DIR (`name` in `parent`, made when missing: `created`) without following a link, and
    /// locks it. Refuses a link or anything that is not a directory.
    private static func openAndLock(_ parent: Int32, _ name: String, dir: String,
                                    onWait: ((String) -> Void)?) throws -> (fd: Int32, created: Bool) {
        var waited = false
        while true {
            var st = stat()
            var created = false
            if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                guard errno == ENOENT else { throw cannot("write \(dir)", nil) }
                guard mkdirat(parent, name, 0o755) == 0 else {
                    if errno == EEXIST { continue }
                    throw cannot("create \(dir)", nil)
                }
                created = true
                guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: break
            case S_IFLNK:
                throw WriteError(description: "refusing to write \(dir): it is a symbolic link, and pigstyc does not "
                    + "write or remove through links (it could replace what the link points to); give the real "
                    + "directory's path instead, or remove the link")
            default:
                throw WriteError(description: "refusing to write \(dir): it is a file, not a directory; pigstyc writes "
                    + "a directory of node trees and will not replace a file (is it the inventory?); choose another "
                    + "output directory with -o, or move the file away")
            }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ELOOP || errno == ENOTDIR || errno == ENOENT { continue }  // replaced meanwhile
                throw cannot("open \(dir)", nil)
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK else { close(fd); throw cannot("lock \(dir)", nil) }
                if !waited { onWait?(dir); waited = true }
                while flock(fd, LOCK_EX) != 0 {
                    guard errno == EINTR else { close(fd); throw cannot("lock \(dir)", nil) }
                }
            }
            // Still the directory at DIR (not removed or replaced while this run waited)?
            var mine = stat(), now = stat()
            if fstat(fd, &mine) == 0, fstatat(parent, name, &now, AT_SYMLINK_NOFOLLOW) == 0,
               mine.st_dev == now.st_dev, mine.st_ino == now.st_ino {
                return (fd, created)
            }
            close(fd)
        }
    }

    /// Brings DIR (open as `fd`, at `path`, shown as `shown`; `name` in `parent`) up to date node
    /// by node (see `write(to:)`).
    private func update(_ fd: Int32, path target: String, shown: String, parent: Int32, name: String) throws -> WriteSummary {
        let entries = Self.entries(fd)
        let marked = entries.contains { $0.name == Self.markerName } && Self.isMarker(fd)
        let current = Set(tree.nodeNames)
        if !marked {
            // Only an empty directory, or one that holds nothing but node directories of earlier runs, is taken on.
            let foreign = entries.map(\.name).filter {
                $0 != ".gitkeep" && $0 != Self.markerTemp && !Self.isNodeDirectory(fd, $0)
            }.sorted()
            if !foreign.isEmpty {
                let listed = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", …" : "")
                throw WriteError(description: "refusing to write \(shown): it is a directory that pigstyc did not write "
                    + "(no \(Self.markerName) in it) and it is not empty (\(listed)); pigstyc replaces what it writes "
                    + "there and would remove the rest. Choose a new or empty output directory with -o, or empty this one")
            }
        }
        if !marked || !Self.holdsMarker(fd) { try Self.writeMarker(fd, shown: shown) }

        let pid = ProcessInfo.processInfo.processIdentifier
        let stagingName = ".\(name).pigstyc-staging-\(pid)"
        let oldName = ".\(name).pigstyc-old-\(pid)"
        let parentPath = String(target.dropLast(name.utf8.count + 1))
        let staging = parentPath + "/" + stagingName
        let old = parentPath + "/" + oldName
        Self.removeLeftovers(of: name, in: parent)
        try Self.makeOwnDirectory(parent, stagingName, shown: staging)
        defer { Self.removeTree(at: parent, stagingName, parallel: true) }
        let nodes = tree.nodeNames
        // A node DIR does not hold yet (every node of a fresh output) is written without looking
        // for its files in DIR: nothing there to compare with or link from.
        let present = Set(entries.map(\.name))
        // Per node: nil when its directory is up to date, else whether writing it into staging failed.
        let results = concurrentMap(nodes.count) { i -> Result<Void, Error>? in
            let outputs = outputs(node: nodes[i])
            let there = present.contains(nodes[i])
            if there && Self.holdsExactly(outputs, in: target, node: nodes[i]) { return nil }
            do { try write(outputs, under: staging, shown: shown, reusing: there ? target : nil) } catch { return .failure(error) }
            return .success(())
        }
        for case .failure(let error)? in results { throw error }
        let changed = nodes.indices.filter { results[$0] != nil }.map { nodes[$0] }
        var stray: [String] = [], foreign: [String] = []
        for entry in entries.map(\.name).sorted()
        where !current.contains(entry) && entry != ".gitkeep" && entry != Self.markerName {
            if entry == Self.markerTemp { _ = unlinkat(fd, entry, 0); continue }
            if Self.isNodeDirectory(fd, entry) { stray.append(entry) } else { foreign.append(entry) }
        }
        guard !changed.isEmpty || !stray.isEmpty else { return WriteSummary(unchanged: nodes.count, foreign: foreign) }
        try Self.makeOwnDirectory(parent, oldName, shown: old)
        defer { Self.removeTree(at: parent, oldName, parallel: true) }
        var swaps = Swaps()
        do {
            for node in changed { try swaps.put(staging + "/" + node, at: target + "/" + node, old: old + "/" + node) }
            for entry in stray { try swaps.move(target + "/" + entry, to: old + "/" + entry) }
        } catch {
            swaps.undo()
            throw error
        }
        return WriteSummary(written: changed.count, unchanged: nodes.count - changed.count, removed: stray.count,
                            foreign: foreign)
    }

    /// Where the marker is written before it is renamed into place.
    private static let markerTemp = markerName + ".tmp"

    /// Whether DIR (`fd`) has a marker: a regular file whose first line names pigstyc's output.
    private static func isMarker(_ fd: Int32) -> Bool {
        guard let bytes = readSmall(fd, markerName, limit: 4096) else { return false }
        return bytes.starts(with: markerPrefix)
    }

    /// Whether DIR's marker is exactly the current one.
    private static func holdsMarker(_ fd: Int32) -> Bool {
        readSmall(fd, markerName, limit: 4096) == Array(markerContent.utf8)
    }

    /// Up to `limit` bytes of the regular file `name` in `dir` (opened without following a link).
    private static func readSmall(_ dir: Int32, _ name: String, limit: Int) -> [UInt8]? {
        let f = openat(dir, name, readFlags)
        guard f >= 0 else { return nil }
        defer { close(f) }
        var st = stat()
        guard fstat(f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(st.st_size))
        let n = buffer.withUnsafeMutableBytes { pread(f, $0.baseAddress, $0.count, 0) }
        return n == buffer.count ? buffer : nil
    }

    private static func writeMarker(_ fd: Int32, shown: String) throws {
        _ = unlinkat(fd, markerTemp, 0)
        let f = openat(fd, markerTemp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw cannot("create \(shown)/\(markerTemp)", nil) }
        let bytes = Array(markerContent.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(f, $0.baseAddress, $0.count) }
        close(f)
        guard n == bytes.count, renameat(fd, markerTemp, fd, markerName) == 0 else {
            let e = cannot("write \(shown)/\(markerName)", nil)
            _ = unlinkat(fd, markerTemp, 0)
            throw e
        }
    }

    /// Whether `name` in DIR (`fd`) is a node directory pigstyc wrote: a directory (not a link)
    /// holding a regular `manifest.json` that names that node.
    static func isNodeDirectory(_ fd: Int32, _ name: String) -> Bool {
        let d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard d >= 0 else { return false }
        defer { close(d) }
        let m = openat(d, "manifest.json", readFlags)
        guard m >= 0 else { return false }
        defer { close(m) }
        var st = stat()
        let tail = Array(("  \"node\" : " + Quoting.json(name) + "\n}\n").utf8)
        guard fstat(m, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) >= tail.count else { return false }
        var have = [UInt8](repeating: 0, count: tail.count)
        let n = have.withUnsafeMutableBytes { pread(m, $0.baseAddress, tail.count, off_t(Int(st.st_size) - tail.count)) }
        return n == tail.count && have == tail
    }

    /// Makes `name` in `parent`, a directory of this run; an old one of this PID (a real
    /// directory) is removed first, anything else in the way is refused.
    private static func makeOwnDirectory(_ parent: Int32, _ name: String, shown: String) throws {
        if mkdirat(parent, name, 0o755) == 0 { return }
        guard errno == EEXIST else { throw cannot("create \(shown)", nil) }
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR,
              st.st_uid == geteuid() else {
            throw WriteError(description: "cannot create \(shown): something that pigstyc did not make is in the way; remove it")
        }
        removeTree(at: parent, name, parallel: true)
        guard mkdirat(parent, name, 0o755) == 0 else { throw cannot("create \(shown)", nil) }
    }

    private static func cannot(_ what: String, _ reason: String?) -> WriteError {
        WriteError(description: "cannot \(what): \(reason ?? String(cString: strerror(errno)))")
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
    /// process is gone): only real directories of this user; a link or a file of that name is left.
    private static func removeLeftovers(of name: String, in parent: Int32) {
        let prefixes = [".\(name).pigstyc-staging-", ".\(name).pigstyc-old-"]
        for entry in entries(parent) {
            guard let prefix = prefixes.first(where: { entry.name.hasPrefix($0) }),
                  let pid = Int32(entry.name.dropFirst(prefix.count)), pid > 0,
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            var st = stat()
            guard fstatat(parent, entry.name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR,
                  st.st_uid == geteuid() else { continue }
            removeTree(at: parent, entry.name, parallel: true)
        }
    }

    /// The entries of the directory `fd` (without `.` and `..`), with their `d_type`.
    static func entries(_ fd: Int32) -> [(name: String, type: UInt8)] {
        let copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0, let d = fdopendir(copy) else { return [] }
        defer { closedir(d) }
        var out: [(name: String, type: UInt8)] = []
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            out.append((name, entry.pointee.d_type))
        }
        return out
    }

    /// Removes `name` in the directory `dir` and, when it is a directory, everything in it, never
    /// following a link: links are removed as links, directories are opened with `O_NOFOLLOW`
    /// and emptied with `unlinkat` relative to them. `parallel`: its entries side by side.
    static func removeTree(at dir: Int32, _ name: String, type: UInt8 = UInt8(DT_UNKNOWN), parallel: Bool = false) {
        if type != UInt8(DT_DIR) {
            if unlinkat(dir, name, 0) == 0 { return }
            guard errno == EISDIR || errno == EPERM else { return }
        }
        let fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }
        let inside = entries(fd)
        if parallel {
            DispatchQueue.concurrentPerform(iterations: inside.count) { removeTree(at: fd, inside[$0].name, type: inside[$0].type) }
        } else {
            for e in inside { removeTree(at: fd, e.name, type: e.type) }
        }
        close(fd)
        _ = unlinkat(dir, name, AT_REMOVEDIR)
    }

    /// Writes one node's outputs (paths relative to `root`; errors name them under `shown`, DIR as
    /// the user gave it). A file that `previous` (an earlier output directory, with no link on the
    /// way to the file) holds exactly as it would be written is hard-linked from there instead:
    /// on a disk, linking costs a fraction of writing (no data to allocate and write back).
    private func write(_ outputs: [(path: String, content: String, mode: Int)], under root: String,
                       shown: String, reusing previous: String? = nil) throws {
        var made: Set<String> = [root]
        var buffer: [UInt8] = []
        let resolved = previous.flatMap(Self.realPath)
        for (path, content, mode) in outputs {
            let file = root + "/" + path
            do {
                try Self.makeDirectories(FilePaths.parent(file), made: &made)
                if let previous, let resolved,
                   Self.link(previous + "/" + path, resolved: resolved + "/" + path, to: file, ifHolding: (content, mode), buffer: &buffer) {
                    continue
                }
                try Self.writeFile(file, content, mode: mode)
            } catch let e as SystemError {
                throw WriteError(description: "cannot write \(shown)/\(path): \(Self.explain(e.code, path))")
            }
        }
    }

    /// An `errno` from writing one output file.
    struct SystemError: Error { let code: Int32 }

    /// Why writing `path` failed, in words; a name or path too long says which and how long.
    static func explain(_ code: Int32, _ path: String) -> String {
        guard code == ENAMETOOLONG else { return String(cString: strerror(code)) }
        let longest = path.split(separator: "/").max { $0.utf8.count < $1.utf8.count } ?? ""
        if longest.utf8.count > 255 {
            return "the name '\(longest.prefix(40))…' is \(longest.utf8.count) bytes, and file systems allow at most 255 "
                + "bytes in a file name (it comes from a name in the inventory: shorten it)"
        }
        return "the path is too long for the file system (\(path.utf8.count) bytes under DIR): give a shorter output directory"
    }

    /// Hard-links `source` to `path` when `source` is a regular file of this user holding exactly
    /// `want`, and reached without a link (its real path is `resolved`); false when it is not (or
    /// cannot be linked), and nothing was done.
    private static func link(_ source: String, resolved: String, to path: String, ifHolding want: (content: String, mode: Int),
                             buffer: inout [UInt8]) -> Bool {
        holds(source, want, buffer: &buffer) && realPath(source) == resolved && Glibc.link(source, path) == 0
    }

    private static func realPath(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }

    /// `mkdir -p` with a cache of directories already made by this writer.
    private static func makeDirectories(_ dir: String, made: inout Set<String>) throws {
        if made.contains(dir) { return }
        if let slash = dir.utf8.lastIndex(of: UInt8(ascii: "/")), slash != dir.startIndex {
            try makeDirectories(String(dir[..<slash]), made: &made)
        }
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw SystemError(code: errno) }
        made.insert(dir)
    }

    /// The process's umask, read once (reading it means setting it, so it is put straight back).
    static let umaskBits: mode_t = {
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
        guard fd >= 0 else { throw SystemError(code: errno) }
        defer { close(fd) }
        // The umask may have narrowed the mode; set it exactly (only then: it costs a system call per file).
        if Self.umaskBits & mode_t(mode) != 0 { _ = fchmod(fd, mode_t(mode)) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SystemError(code: n < 0 ? errno : ENOSPC) }
            offset += n
        }
    }

}
