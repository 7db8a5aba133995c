import PigstyModel
import CLinux
import Crypto
import Foundation
import PigstyDiagnostics
import PigstyYAML
#if canImport(Glibc)
import Glibc
#endif

/// Comparing a tree with what a directory holds: the fast "unchanged" check of recompiles and
/// `compile --check`.
extension TreeWriter {
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
    static func tree(_ root: String, _ rel: String, expected: [String: (content: String, mode: Int)],
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
    static let readFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC

    /// `holds(_:_:buffer:)` for the file at `path`.
    static func holds(_ path: String, _ want: (content: String, mode: Int), buffer: inout [UInt8]) -> Bool {
        holds(open(path, readFlags), want, buffer: &buffer)
    }

    /// Whether `fd` (closed here; negative: a failed open) is a regular file of this user with
    /// exactly `want`'s mode and bytes. `buffer` is scratch space, kept between calls.
    static func holds(_ fd: Int32, _ want: (content: String, mode: Int), buffer: inout [UInt8]) -> Bool {
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
        where !current.contains(entry) && entry != ".gitkeep" && entry != Self.markerName {
            out += Self.differences([], in: root, under: entry)
        }
        return out.sorted { $0.dropFirst(9) < $1.dropFirst(9) }
    }

    /// The differences between `outputs` (paths relative to `root`, all under `rel`) and the files
    /// under `root/rel` (a directory or a single file).
    static func differences(_ outputs: [(path: String, content: String, mode: Int)], in root: String,
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
