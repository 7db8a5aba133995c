import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// Generated units checked by systemd itself, network-isolated (`unshare -n`):
/// - `systemd-analyze verify --root=DIR` on every unit of an inventory that deploys every module,
///   in a temporary root holding the system's own units (targets, slices) and a stub executable for
///   every command the units run; any message fails (unknown keys, bad values, missing binaries).
/// - `systemd --test` (as `nobody`) loads a unit and dumps what it parsed: hostile values (`%`,
///   quotes, backslashes, blanks, `$`, `;`) in every kind of field read back as exactly themselves.
/// A missing systemd is a failure, not a skip.
@Suite(.serialized)
struct SystemdRealToolTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let manager = "/lib/systemd/systemd"

    static func requireTools() throws {
        for tool in [analyze, manager, "/usr/bin/unshare", "/usr/bin/setpriv"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is required (scripts/setup installs systemd)")
        }
    }

    /// A temporary root with the system's unit directory and `/etc/systemd/system/`.
    static func sandbox() throws -> URL {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("pigstyc-systemd-\(UUID().uuidString)")
        try fm.createDirectory(at: root.appendingPathComponent("usr/lib/systemd"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/usr/lib/systemd/system", toPath: root.appendingPathComponent("usr/lib/systemd/system").path)
        try fm.createDirectory(at: root.appendingPathComponent("etc/systemd/system"), withIntermediateDirectories: true)
        return root
    }

    /// The executables a unit's command lines start: the first word, prefixes dropped.
    static func executables(_ u: ServiceUnit) -> [String] {
        u.sections.flatMap(\.entries).compactMap { e -> String? in
            guard case .command(_, let words) = e, let first = words.first else { return nil }
            switch first {
            case .value(let v), .executable(let v): return v
            case .raw(let r):
                let word = r.split(separator: " ").first.map(String.init) ?? r
                return String(word.drop { "-@:+!".contains($0) })
            }
        }
    }

    static func stub(_ path: String, in root: URL) throws {
        let url = root.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "#!/bin/sh\nexit 0\n".write(to: url, atomically: false, encoding: .utf8)
        #expect(chmod(url.path, 0o755) == 0)
    }

    /// `systemd-analyze verify --root` over `units` (all of one node), stubs made when `stubs`.
    static func verify(_ units: [ServiceUnit], tree: FileTree, stubs: Bool = true) throws -> (status: Int32, output: String) {
        let root = try sandbox()
        defer { try? FileManager.default.removeItem(at: root) }
        for u in units {
            let text = try #require(tree.file(u.path, on: u.ip)?.content)
            try text.write(to: root.appendingPathComponent(String(u.path.dropFirst())), atomically: false, encoding: .utf8)
            if stubs { for exe in executables(u) { try stub(exe, in: root) } }
        }
        return try runTool("/usr/bin/unshare", ["-n", analyze, "verify", "--root=\(root.path)", "--man=no"]
                           + units.map { "\($0.name).service" })
    }

    static func compile(_ text: String) throws -> (ResourceGraph, FileTree) {
        let e = try emit(text, [SystemdBackend()])
        return (e.graph, e.tree)
    }

    @Test func everyUnitOfEveryModuleVerifies() throws {
        try Self.requireTools()
        let (graph, tree) = try Self.compile(InjectionSweepTests.base)
        let units = graph.units.units
        let names = Set(units.map(\.name))
        #expect(names.isSuperset(of: ["patroni", "postgres", "pgbouncer", "pg_exporter", "pgbouncer_exporter", "pgbackrest_exporter",
                                      "vip-manager", "etcd", "silo", "dnsmasq", "nginx_exporter", "vmetrics", "vlogs", "vtraces",
                                      "vmalert", "alertmanager", "blackbox_exporter", "vector", "node_exporter",
                                      "keepalived_exporter", "haproxy", "redis_exporter", "redis-ms-1-6379"]), "\(names.sorted())")
        for (ip, mine) in Dictionary(grouping: units, by: \.ip) {
            let r = try Self.verify(mine, tree: tree)
            #expect(r.status == 0 && r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(ip): \(r.output)")
        }
    }

    @Test func sentinelWatchdogAndDebianUnitsVerify() throws {
        try Self.requireTools()
        let (graph, tree) = try Self.compile("""
        all:
          children:
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-test, patroni_watchdog_mode: required }
            redis-meta:
              hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 26379: {} } } }
              vars: { redis_cluster: redis-meta, redis_mode: sentinel, redis_type: valkey }
        """)
        for (ip, mine) in Dictionary(grouping: graph.units.units, by: \.ip) {
            let r = try Self.verify(mine, tree: tree)
            #expect(r.status == 0 && r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(ip): \(r.output)")
        }
    }

    /// The control: without the stubs, verify reports every missing command, so the test above sees them.
    @Test func verifyReportsAMissingExecutable() throws {
        try Self.requireTools()
        let (graph, tree) = try Self.compile(InjectionSweepTests.base)
        let etcd = try #require(graph.units.units.first { $0.name == "etcd" })
        let r = try Self.verify([etcd], tree: tree, stubs: false)
        #expect(r.status != 0 && r.output.contains("/usr/bin/etcd"), "\(r.output)")
    }

    // MARK: what systemd parses

    /// The settings systemd parsed from each unit (`systemd --test` dump): unit name → lines
    /// `Key: value` (commands as `Command Line: …`), for units written into a fresh directory.
    static func parsed(_ units: [(name: String, text: String)]) throws -> [String: [String]] {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("pigstyc-units-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        #expect(chmod(dir.path, 0o755) == 0)
        var out: [String: [String]] = [:]
        for u in units {
            let file = dir.appendingPathComponent("\(u.name).service")
            try u.text.write(to: file, atomically: false, encoding: .utf8)
            #expect(chmod(file.path, 0o644) == 0)
        }
        for u in units {
            let pw = try #require(getpwnam("nobody"))
            let r = try runTool("/usr/bin/unshare", [
                "-n", "/usr/bin/setpriv", "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)", "--clear-groups",
                "/usr/bin/env", "SYSTEMD_UNIT_PATH=\(dir.path):", Self.manager, "--test", "--system", "--unit=\(u.name).service"])
            #expect(r.status == 0, "\(r.output)")
            var lines: [String] = []
            var inside = false
            for line in r.output.split(separator: "\n", omittingEmptySubsequences: false) {
                let t = line.trimmingCharacters(in: CharacterSet(charactersIn: "\t"))
                if t.hasPrefix("-> Unit ") { inside = t == "-> Unit \(u.name).service:"; continue }
                if inside { lines.append(t) }
            }
            #expect(!lines.isEmpty, "\(u.name) not in the dump: \(r.output.prefix(2000))")
            out[u.name] = lines
        }
        return out
    }

    /// The words of a dumped command line (systemd prints them quoted, `\` escaping inside quotes).
    static func words(_ commandLine: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inQuote = false, escaped = false, any = false
        for c in commandLine {
            if escaped { cur.append(c); escaped = false; continue }
            switch c {
            case "\\" where inQuote: escaped = true
            case "\"": inQuote.toggle(); any = true
            case " " where !inQuote:
                if any || !cur.isEmpty { words.append(cur) }
                cur = ""; any = false
            default: cur.append(c)
            }
        }
        if any || !cur.isEmpty { words.append(cur) }
        return words
    }

    static func value(_ lines: [String], _ key: String) -> [String] {
        lines.filter { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    static let hostile = [#"/data/a b%n "q" 'r' \x41 $HOME ;"#, #"/data/end\"#, #"/data/two\\"#, "/data/%%i"]

    /// The writer's three kinds of value, each with every hostile string.
    @Test func writerValuesReadBackExactly() throws {
        try Self.requireTools()
        var units: [(name: String, text: String)] = []
        for (i, s) in Self.hostile.enumerated() {
            var w = SystemdUnitWriter()
            w.section("Unit")
            w.set("Description", "D " + s)
            w.section("Service")
            w.set("User", "u%x")
            w.set("WorkingDirectory", s)
            w.set("PIDFile", s + "/p.pid")
            w.environment("Environment", [("A", s), ("B", "plain")])
            w.command("ExecStart", [.executable("/usr/b in%i$x/true"), .value(s), .raw("-x"), .value(";"), .value("-y"), .value("")])
            units.append(("hostile-\(i)", w.text))
        }
        let dump = try Self.parsed(units)
        for (i, s) in Self.hostile.enumerated() {
            let lines = try #require(dump["hostile-\(i)"])
            #expect(Self.value(lines, "Description") == ["D " + s])
            #expect(Self.value(lines, "User") == ["u%x"])
            #expect(Self.value(lines, "WorkingDirectory") == [s])
            #expect(Self.value(lines, "PIDFile") == [s + "/p.pid"])
            #expect(Self.value(lines, "Environment") == ["A=" + s, "B=plain"])
            let cmd = try #require(Self.value(lines, "Command Line").first)
            // `$` stays doubled until the command runs, when `$$` becomes `$`.
            #expect(Self.words(cmd) == ["/usr/b in%i$x/true", s.replacingOccurrences(of: "$", with: "$$"), "-x", ";", "-y", ""], "\(cmd)")
        }
    }

    /// Inventory values in generated units: paths with blanks, quotes, `%`, `$` and backslashes
    /// are what systemd reads, and `verify` finds the executable under the hostile `pg_bin_dir`.
    @Test func hostileInventoryPathsReadBackExactly() throws {
        try Self.requireTools()
        let home = #"/home/pg a%n'b"#, data = #"/pg/d "x" $y\"#, bin = "/opt/pg %i $HOME;bin", etcd = #"/data/etcd 50%\\"#
        let (graph, tree) = try Self.compile("""
        all:
          children:
            etcd: { hosts: { 10.10.10.11: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd, etcd_data: '\(etcd)' } }
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-test, pg_dbsu_home: "\(home)", pg_data: '\(data)', pg_bin_dir: '\(bin)' }
        """)
        let units = graph.units.units.filter { ["postgres", "patroni", "etcd"].contains($0.name) }
        #expect(units.count == 3)
        let dump = try Self.parsed(units.map { ($0.name, tree.file($0.path, on: $0.ip)!.content) })
        let postgres = try #require(dump["postgres"]), patroni = try #require(dump["patroni"]), etcdUnit = try #require(dump["etcd"])
        #expect(Self.value(postgres, "WorkingDirectory") == [home])
        #expect(Self.value(patroni, "WorkingDirectory") == [home])
        #expect(Self.value(postgres, "Environment") == ["PGDATA=" + data])
        let start = try #require(Self.value(postgres, "Command Line").first { $0.contains(" -D ") })
        #expect(Self.words(start) == [bin + "/postgres", "-D", "${PGDATA}"], "\(start)")
        #expect(Self.value(etcdUnit, "WorkingDirectory") == [etcd])
        let r = try Self.verify(units, tree: tree)
        #expect(r.status == 0 && r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(r.output)")
    }
}
