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

    /// The facts the reference renders use: el9, x86_64, 4 CPU, 16 GiB, 40 GiB disk, eth0.
    public static let standard = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0")

    /// `rpm` or `deb`, from the OS code.
    public var package: String { os.hasPrefix("el") ? "rpm" : "deb" }
    /// Major OS version, e.g. 9 for `el9`.
    public var osVersion: Int { Int(os.drop { !$0.isNumber }) ?? 0 }
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

    public static let keys = ["os", "arch", "cpu", "mem_mb", "disk_gb", "iface"]
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
            case "cpu": if let v = int() { f.cpu = v }
            case "mem_mb": if let v = int() { f.memMB = v }
            case "disk_gb": if let v = int() { f.diskGB = v }
            default:
                sink.report(.factsUnknownKey, "unknown fact '\(key)'", at: p.key.range,
                            notes: [DiagnosticNote("facts are \(keys.joined(separator: ", "))")],
                            suggestion: Suggest.closest(to: key, among: keys).map { "did you mean '\($0)'?" })
            }
        }
        return f
    }
}

