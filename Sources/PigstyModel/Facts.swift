import PigstyDiagnostics
import PigstyInventory
import PigstySchema
import PigstyYAML

/// What Ansible gathers from a node at run time, given to pigstyc as input (`--facts FILE`).
public struct NodeFacts: Sendable, Equatable {
    /// OS code as Pigsty names it: `el8`, `el9`, `el10`, `d12`, `u24`, …
    public var os: String
    public var arch: String
    public var cpu: Int
    public var memMB: Int
    public var diskGB: Int
    /// The network interface holding the node's address (VIP `auto` interface).
    public var iface: String
    /// `VERSION_ID` of `/etc/os-release` (`9.6`, `12`, `24.04`); nil: the OS code's current release
    /// (`release`). Pigsty's pgdg repositories on EL 9.6+ and EL 10 name the minor release.
    public var osRelease: String? = nil
    /// The `nameserver` addresses the node's `/etc/resolv.conf` already lists, which
    /// `node_dns_method: add` keeps after Pigsty's own (none by default, as on a fresh node).
    public var nameservers: [String] = []

    /// The facts the reference renders use: el9, x86_64, 4 CPU, 16 GiB, 40 GiB disk, eth0.
    public static let standard = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0")

    /// `rpm` or `deb`, from the OS code.
    public var package: String { os.hasPrefix("el") ? "rpm" : "deb" }
    /// Major OS version, e.g. 9 for `el9`.
    public var osVersion: Int { Int(os.drop { !$0.isNumber }) ?? 0 }

    /// The full release: the `os_release` fact, else the newest release of the OS code that
    /// Pigsty v4.5 supports (what the reference renders use).
    public var release: String { osRelease ?? Self.defaultReleases[os] ?? String(osVersion) }
    /// `ID` of `/etc/os-release` as Pigsty's deb sources name the distribution (`${distro_name}`).
    public var vendor: String { os.hasPrefix("u") ? "ubuntu" : os.hasPrefix("d") ? "debian" : "rocky" }
    /// `VERSION_CODENAME` (`${distro_codename}`) on Debian and Ubuntu, `el<N>` on EL.
    public var codename: String { Self.codenames[os] ?? "el\(osVersion)" }

    static let defaultReleases = ["el7": "7.9", "el8": "8.10", "el9": "9.6", "el10": "10.0", "d12": "12", "d13": "13",
                                  "u22": "22.04", "u24": "24.04", "u26": "26.04"]
    static let codenames = ["d12": "bookworm", "d13": "trixie", "u22": "jammy", "u24": "noble", "u26": "resolute"]
}

/// Facts per node: a default plus per-IP overrides.
public struct FactsTable: Sendable {
    public var defaults: NodeFacts
    public var hosts: [String: NodeFacts]

    public init(defaults: NodeFacts = .standard, hosts: [String: NodeFacts] = [:]) {
        self.defaults = defaults
        self.hosts = hosts
    }

    public func facts(for ip: String) -> NodeFacts { hosts[ip] ?? defaults }

    public static let keys = ["os", "os_release", "arch", "cpu", "mem_mb", "disk_gb", "iface", "nameservers"]
    /// OS codes Pigsty v4.5 has node_id vars for (roles/node_id/vars/<os>.<arch>.yml).
    public static let osCodes = ["el7", "el8", "el9", "el10", "d12", "d13", "u22", "u24", "u26"]
    public static let archs = ["x86_64", "aarch64"]

    /// Reads `{ default: {…}, hosts: { IP: {…} } }`: each host's facts start from `default` (which
    /// starts from `standard`). Unknown keys, wrong types, an `os` or `arch` Pigsty does not know
    /// and (given `inventoryHosts`) a host the inventory does not list are errors.
    public static func parse(_ file: SourceFile, sink: DiagnosticSink, inventoryHosts: Set<String>? = nil) -> FactsTable? {
        guard let root = YAML.parse(file, into: sink) else { return nil }
        guard let pairs = root.mapping else {
            sink.report(.factsInvalid, "a facts file is a mapping with 'default' and 'hosts'", at: root.range)
            return nil
        }
        let before = sink.errorCount
        var table = FactsTable()
        if let d = root["default"] { table.defaults = read(d, base: .standard, sink: sink) }
        for pair in pairs {
            switch pair.key.keyName {
            case "default": break
            case "hosts":
                guard let hosts = pair.value.mapping else {
                    if !pair.value.isNull {
                        sink.report(.factsInvalid, "'hosts' maps node IPs to their facts", at: pair.value.range)
                    }
                    continue
                }
                for h in hosts {
                    let ip = h.key.keyName ?? ""
                    guard IPv4.isAddress(ip) else {
                        sink.report(.factsInvalid, "facts host '\(ip)' is not an IPv4 address", at: h.key.range)
                        continue
                    }
                    if let known = inventoryHosts, !known.contains(ip) {
                        sink.report(.factsInvalid, "facts host '\(ip)' is not a host of the inventory", at: h.key.range,
                                    notes: [DiagnosticNote("facts are given for the inventory's hosts; a stray address is usually a typo")],
                                    suggestion: Suggest.closest(to: ip, among: known.sorted()).map { "did you mean '\($0)'?" })
                        continue
                    }
                    table.hosts[ip] = read(h.value, base: table.defaults, sink: sink)
                }
            default:
                let key = pair.key.keyName ?? "?"
                sink.report(.factsUnknownKey, "unknown key '\(key)' in the facts file", at: pair.key.range,
                            suggestion: Suggest.closest(to: key, among: ["default", "hosts"]).map { "did you mean '\($0)'?" })
            }
        }
        return sink.errorCount > before ? nil : table
    }

    private static func read(_ node: YAMLNode, base: NodeFacts, sink: DiagnosticSink) -> NodeFacts {
        var f = base
        guard let pairs = node.mapping else {
            if !node.isNull { sink.report(.factsInvalid, "facts must be a mapping of \(keys.joined(separator: ", "))", at: node.range) }
            return f
        }
        // A host that names another OS does not inherit the default's release.
        if pairs.contains(where: { $0.key.keyName == "os" }) { f.osRelease = nil }
        for p in pairs {
            let key = p.key.keyName ?? ""
            func int() -> Int? {
                guard let v = p.value.int, v > 0 else {
                    sink.report(.factsInvalid, "fact '\(key)' must be a positive integer", at: p.value.range)
                    return nil
                }
                return v
            }
            func text() -> String? {
                guard let v = p.value.string, !v.isEmpty else {
                    sink.report(.factsInvalid, "fact '\(key)' must be a non-empty string", at: p.value.range)
                    return nil
                }
                return v
            }
            func known(_ v: String, _ values: [String], _ what: String) -> Bool {
                if values.contains(v) { return true }
                sink.report(.factsInvalid, "fact '\(key)' is '\(v)', not \(what) Pigsty knows", at: p.value.range,
                            notes: [DiagnosticNote("\(key) is one of \(values.joined(separator: ", "))")],
                            suggestion: Suggest.closest(to: v, among: values).map { "did you mean '\($0)'?" })
                return false
            }
            switch key {
            case "os": if let v = text(), known(v, osCodes, "an OS code") { f.os = v }
            case "arch": if let v = text(), known(v, archs, "an architecture") { f.arch = v }
            case "iface": if let v = text() { f.iface = v }
            case "os_release": if let v = text() { f.osRelease = v }
            case "nameservers":
                guard let items = p.value.sequence, items.allSatisfy({ IPv4.isAddress($0.string ?? "") || IPv6Text.isAddress($0.string ?? "") }) else {
                    sink.report(.factsInvalid, "fact 'nameservers' must be a list of IP addresses", at: p.value.range)
                    continue
                }
                f.nameservers = items.compactMap(\.string)
            case "cpu": if let v = int() { f.cpu = v }
            case "mem_mb": if let v = int() { f.memMB = v }
            case "disk_gb": if let v = int() { f.diskGB = v }
            default:
                sink.report(.factsUnknownKey, "unknown fact '\(key)'", at: p.key.range,
                            notes: [DiagnosticNote("facts are \(keys.joined(separator: ", "))")],
                            suggestion: Suggest.closest(to: key, among: keys).map { "did you mean '\($0)'?" })
            }
        }
        // The release must belong to the OS code: `9.4` for el9, `24.04` for u24.
        if let r = f.osRelease, !(r == String(f.osVersion) || r.hasPrefix("\(f.osVersion).")),
           let at = pairs.first(where: { $0.key.keyName == "os_release" }) {
            sink.report(.factsInvalid, "fact 'os_release' is '\(r)', not a release of \(f.os)", at: at.value.range,
                        notes: [DiagnosticNote("os_release is /etc/os-release's VERSION_ID, e.g. \(NodeFacts.defaultReleases[f.os] ?? "9.6")")])
            f.osRelease = nil
        }
        return f
    }
}

/// An IPv6 address as text: hex groups and colons (at most one `::`), optionally a dotted IPv4 tail.
enum IPv6Text {
    static func isAddress(_ s: String) -> Bool {
        guard s.contains(":"), s.utf8.count <= 45 else { return false }
        var rest = s
        if let colon = s.lastIndex(of: ":"), s[s.index(after: colon)...].contains(".") {
            guard IPv4.isAddress(String(s[s.index(after: colon)...])) else { return false }
            rest = String(s[...colon]) + "0:0"
        }
        guard rest.components(separatedBy: "::").count <= 2 else { return false }
        let groups = rest.split(separator: ":", omittingEmptySubsequences: true)
        return groups.count <= 8 && groups.allSatisfy { g in g.count <= 4 && g.allSatisfy(\.isHexDigit) }
    }
}

