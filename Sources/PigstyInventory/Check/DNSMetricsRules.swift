import Foundation
import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Values that reach the infra node's dnsmasq records and VictoriaMetrics target files: remote
/// exporters (`pg_exporters`, whose cluster names become `targets/pgrds/<cluster>.yml`), DNS name
/// suffixes and targets, and the static `dns_records`.
struct DNSMetricsRules: InventoryRule {
    func check(_ c: RuleContext) {
        checkExporters(c)
        checkSuffixes(c)
        checkDNSTarget(c)
        checkRecords(c)
    }

    /// A host name or address as it may appear in a record or label: letters, digits, '.', '-'.
    /// Stricter than `PortalRules.isHostName` on purpose: these values become dnsmasq host records
    /// (no '_', no wildcard) or IPv4 addresses in scrape labels, not nginx server names.
    static func isHostLike(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, b.count <= 253 else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        return alnum(f) && b.allSatisfy { alnum($0) || $0 == 46 || $0 == 45 }
    }

    /// `pg_exporters`: keys are local ports, `pg_cluster` names a file, `pg_host` lands in a label.
    private func checkExporters(_ c: RuleContext) {
        for b in c.bindings(of: "pg_exporters") {
            for pair in b.value.mapping ?? [] {
                let key = pair.key.keyName ?? ""
                let path = "\(c.path(of: b)).\(key)"
                if !(pair.key.int.map { (1...65535).contains($0) } ?? false) {
                    c.sink.report(.pgExporterInvalid,
                                  "pg_exporters key '\(SafetyRules.printable(key))' is not a port number",
                                  at: pair.key.range, path: path,
                                  notes: [DiagnosticNote("each key is the local port (1–65535) of the exporter for that remote instance")])
                }
                if let n = pair.value["pg_cluster"], let s = n.scalar, !n.isNull {
                    let text = YAMLNode.describe(s.value)
                    if !SafeName.pgCluster.matches(text) {
                        c.sink.report(.pgExporterInvalid,
                                      "pg_exporters cluster '\(SafetyRules.printable(text))' is not a safe PostgreSQL cluster name",
                                      at: n.range, path: "\(path).pg_cluster",
                                      notes: [DiagnosticNote("it names the target file targets/pgrds/<cluster>.yml; it must match \(SafeName.pgCluster.patternText)")])
                    }
                }
                if let n = pair.value["pg_host"], let s = n.scalar, !n.isNull {
                    let text = YAMLNode.describe(s.value)
                    if !Self.isHostLike(text) {
                        c.sink.report(.pgExporterInvalid,
                                      "pg_exporters host '\(SafetyRules.printable(text))' is not an address or host name",
                                      at: n.range, path: "\(path).pg_host",
                                      notes: [DiagnosticNote("it becomes the 'ip' label of the pgrds target")])
                    }
                }
            }
        }
    }

    /// `pg_dns_suffix`, `vip_dns_suffix`: appended to a name in a dnsmasq record, so a blank or line
    /// break would add names or records.
    private func checkSuffixes(_ c: RuleContext) {
        for param in ["pg_dns_suffix", "vip_dns_suffix"] {
            for b in c.bindings(of: param) {
                guard let s = b.value.string, !s.isEmpty else { continue }
                if !(Self.isHostLike("x" + s) && s.utf8.count <= 63) {
                    c.sink.report(.dnsSuffixInvalid,
                                  "\(param) '\(SafetyRules.printable(s))' is not a DNS name suffix",
                                  at: b.value.range, path: c.path(of: b),
                                  notes: [DiagnosticNote("it is appended to the cluster name in a dnsmasq record: letters, digits, '.' and '-' only")])
                }
            }
        }
    }

    /// `pg_dns_target`: auto, primary, vip, none or an IPv4 address; Pigsty writes an empty record for
    /// anything else.
    private func checkDNSTarget(_ c: RuleContext) {
        for b in c.bindings(of: "pg_dns_target") {
            guard let s = b.value.scalar, !b.value.isNull else { continue }
            let text = YAMLNode.describe(s.value)
            if ["auto", "primary", "vip", "none"].contains(text) || ValueChecker.isIPv4(text) || ValueChecker.isCIDR4(text) { continue }
            c.sink.report(.dnsTargetUnknown,
                          "pg_dns_target '\(SafetyRules.printable(text))' is none of auto, primary, vip, none or an IPv4 address",
                          at: b.value.range, path: c.path(of: b),
                          notes: [DiagnosticNote("the cluster's DNS record is written empty, so the name does not resolve")])
        }
    }

    /// `dns_records`: each item, `${admin_ip}` replaced, must be `<address> <name> [<name>…]`;
    /// dnsmasq skips a line it cannot read.
    private func checkRecords(_ c: RuleContext) {
        for b in c.bindings(of: "dns_records") {
            for (i, item) in (b.value.sequence ?? []).enumerated() {
                guard let s = item.string else { continue }
                let fields = s.replacingOccurrences(of: "${admin_ip}", with: "10.10.10.10")
                    .split(whereSeparator: { $0 == " " || $0 == "\t" })
                let ok = !s.contains("\n") && fields.count >= 2
                    && (ValueChecker.isIPv4(String(fields[0])) || fields[0].contains(":"))
                    && fields.dropFirst().allSatisfy { Self.isHostLike(String($0)) }
                if !ok {
                    c.sink.report(.dnsRecordInvalid,
                                  "dns_records item '\(SafetyRules.printable(s))' is not '<address> <name> [<name>…]'",
                                  at: item.range, path: "\(c.path(of: b))[\(i)]",
                                  notes: [DiagnosticNote("each line of a hosts-format record file is an address followed by host names; dnsmasq skips other lines")])
                }
            }
        }
    }
}
