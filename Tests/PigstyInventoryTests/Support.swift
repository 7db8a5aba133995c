import Foundation
import PigstyDiagnostics
import PigstyInventory

/// The package root, found from this file's path (tests only; the product never looks up files).
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Checks inventory text and returns the sink.
func check(_ text: String, path: String = "pigsty.yml", strict: Bool = false) -> DiagnosticSink {
    let sink = DiagnosticSink()
    Frontend.check(SourceFile(path: path, text: text), sink: sink, options: CheckOptions(strict: strict))
    return sink
}

/// `id@line:col` for each diagnostic, sorted — a compact form for assertions.
func summary(_ sink: DiagnosticSink) -> [String] {
    sink.sorted.map { d in "\(d.id)@\(d.range.map { "\($0.start.line):\($0.start.column)" } ?? "-")" }
}

/// Wraps host/group YAML into a minimal valid inventory with etcd and infra.
func inventory(children: String, vars: String = "") -> String {
    """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
    \(children)
      vars:
        admin_ip: 10.10.10.10
    \(vars)
    """
}
