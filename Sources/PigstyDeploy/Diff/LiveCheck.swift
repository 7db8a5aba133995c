import Foundation
import PigstyModel

/// What `apply.sh --dry-run --show-live` reported on a node (`ship --check`): for every path
/// apply would change, what is live there; the units it would reload or restart, the services it
/// would enable or start, the actions it would run, the objects it would create. Records are
/// lines starting with `@@pigstyc-` (see ApplyScript); every other line is apply.sh's log.
public struct LiveReport: Sendable, Equatable {
    public enum Change: String, Sendable { case update, block, remove }
    public enum State: String, Sendable { case absent, file, link, directory, special, unreadable, large }

    public struct Live: Sendable, Equatable {
        public let change: Change
        /// `new`, `content` or `meta` (apply.sh's file_state), `-` for a removal.
        public let how: String
        public let state: State
        public let mode: String?
        public let owner: String?
        public let group: String?
        /// Whether apply.sh would set the owner (it runs as root and the accounts exist).
        public let ownerApplies: Bool
        public let path: String
        /// The file's bytes (`file`) or the link's target (`link`); empty otherwise.
        public let body: [UInt8]
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    public var files: [Live] = []
    public var units: [UnitEffect] = []
    public var daemonReload = false
    /// `enable <unit>` / `start <unit>`.
    public var services: [String] = []
    public var actions: [String] = []
    public var objects: [String] = []
    public var log: [String] = []

    /// Whether apply would change anything on the node.
    public var hasChanges: Bool {
        !files.isEmpty || !units.isEmpty || daemonReload || !services.isEmpty || !actions.isEmpty || !objects.isEmpty
    }

    public init() {}

    /// Parses apply.sh's standard output; a record that is not well-formed (or a frame that does
    /// not end) throws: nothing half-read is ever diffed.
    public static func parse(_ output: [UInt8]) throws -> LiveReport {
        var report = LiveReport()
        let lines = output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            i += 1
            guard line.hasPrefix("@@pigstyc-") else {
                if !line.isEmpty { report.log.append(line) }
                continue
            }
            let f = line.dropFirst("@@pigstyc-".count).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f[0] {
            case "live":
                guard f.count == 9, let change = Change(rawValue: f[1]), ["new", "content", "meta", "-"].contains(f[2]),
                      let state = State(rawValue: f[3]), f[8].hasPrefix("/"), f[7] == "0" || f[7] == "1" else {
                    throw Malformed(description: "malformed record: \(line.prefix(200))")
                }
                var encoded = ""
                var ended = false
                while i < lines.count {
                    let l = lines[i]
                    i += 1
                    if l == "@@pigstyc-end" { ended = true; break }
                    guard l.utf8.allSatisfy({ b in Self.base64Alphabet.contains(b) }) else {
                        throw Malformed(description: "the content of \(f[8]) is not base64")
                    }
                    encoded += l
                }
                guard ended else { throw Malformed(description: "the content of \(f[8]) does not end") }
                guard let body = Data(base64Encoded: encoded) else { throw Malformed(description: "the content of \(f[8]) is not base64") }
                func field(_ s: String) -> String? { s == "-" ? nil : s }
                report.files.append(Live(change: change, how: f[2], state: state, mode: field(f[4]), owner: field(f[5]),
                                         group: field(f[6]), ownerApplies: f[7] == "1", path: f[8], body: Array(body)))
            case "unit":
                guard f.count == 3, let action = UnitAction(rawValue: f[1]), UnitEffect.isUnitName(f[2]) else {
                    throw Malformed(description: "malformed record: \(line.prefix(200))")
                }
                report.units.append(UnitEffect(action, f[2]))
            case "daemon-reload":
                report.daemonReload = true
            case "service":
                guard f.count == 3, f[1] == "enable" || f[1] == "start" else { throw Malformed(description: "malformed record: \(line.prefix(200))") }
                report.services.append("\(f[1]) \(f[2])")
            case "action":
                guard f.count == 2 else { throw Malformed(description: "malformed record: \(line.prefix(200))") }
                report.actions.append(f[1])
            case "object":
                guard f.count == 2 else { throw Malformed(description: "malformed record: \(line.prefix(200))") }
                report.objects.append(f[1])
            default:
                throw Malformed(description: "unknown record: \(line.prefix(200))")
            }
        }
        report.units = UnitEffect.merged(report.units)
        return report
    }

    static let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
}

/// The text `ship --check` prints for one node: the files that would change against what is live
/// (a unified diff with secrets masked by `SecretMask`, the same masking as `pigstyc diff`), the
/// units apply would reload or restart, the services it would start and the actions it would run.
public struct LiveCheckReport {
    public let node: String
    public let report: LiveReport
    /// The node's files as the bundle has them, by path.
    public let files: [String: GeneratedFile]
    public let mask: SecretMask

    public init(node: String, report: LiveReport, files: [GeneratedFile], mask: SecretMask) {
        self.node = node
        self.report = report
        var byPath: [String: GeneratedFile] = [:]
        for f in files { byPath[f.path] = f }
        self.files = byPath
        self.mask = mask
    }

    /// `== node`, one line per change, then the diffs (without `withContent`, the lines only).
    public func render(withContent: Bool = true) -> String {
        var out = "== \(node)\n"
        guard report.hasChanges else { return out + "   no changes\n" }
        var diffs = ""
        for live in report.files {
            let new = files[live.path]
            var line = "   "
            var notes: [String] = []
            var liveText: String?
            switch live.state {
            case .file: liveText = String(decoding: live.body, as: UTF8.self)
            case .absent: break
            case .link: notes.append("live: a symbolic link to '\(mask.apply(String(decoding: live.body, as: UTF8.self)))', not followed; replaced by the file")
            case .directory: notes.append("live: a directory, not read")
            case .special: notes.append("live: not a regular file (fifo, socket or device), not read")
            case .unreadable: notes.append("live: unreadable, content not compared")
            case .large: notes.append("live: larger than 16 MiB, content not compared")
            }
            switch live.change {
            case .remove:
                line += "removed  \(live.path)"
                notes.append("no longer in the bundle; its content is not shown (it may hold secrets the inventory no longer has)")
                liveText = nil
            case .update, .block:
                line += (live.state == .absent ? "added    " : "changed  ") + live.path
                var attributes: [String] = []
                if let new, live.state == .file, live.change == .update {
                    if live.ownerApplies, let o = live.owner, let g = live.group, o != new.owner || g != new.group {
                        attributes.append("owner \(o):\(g) → \(new.owner):\(new.group)")
                    }
                    if let m = live.mode, m != new.modeText { attributes.append("mode \(m) → \(new.modeText)") }
                }
                if live.change == .block { attributes.append("managed block") }
                if !attributes.isEmpty { line += " (\(attributes.joined(separator: ", ")))" }
            }
            out += line + "\n"
            for n in notes { out += "            \(n)\n" }
            guard withContent, live.change != .remove, let new else { continue }
            let want = live.change == .block ? Self.merged(block: new.content, into: liveText) : new.content
            diffs += mask.unified(live: liveText, new: new, wanted: want,
                                  oldName: "live/\(node)\(live.path)", newName: "bundle/\(node)\(live.path)")
        }
        for o in report.objects { out += "   \(mask.apply(o))\n" }
        if report.daemonReload { out += "   daemon-reload\n" }
        for u in report.units { out += "   \(u)\n" }
        for s in report.services { out += "   \(s)\n" }
        for a in report.actions { out += "   run \(a)\n" }
        return out + diffs
    }

    /// The node's file with the managed block put in place of its block, or appended (as
    /// apply.sh's merge_block does).
    static func merged(block: String, into live: String?) -> String {
        let wrapped = FilePlacement.blockBegin + "\n" + block + FilePlacement.blockEnd + "\n"
        guard let live, !live.isEmpty else { return wrapped }
        var out = "", inside = false, put = false
        var lines = live.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if live.hasSuffix("\n") { lines.removeLast() }
        for l in lines {
            if inside {
                if l == FilePlacement.blockEnd { inside = false }
                continue
            }
            if l == FilePlacement.blockBegin {
                inside = true
                if !put { out += wrapped }
                put = true
                continue
            }
            out += l + "\n"
        }
        return put ? out : out + wrapped
    }
}
