import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// postgresql.auto.conf: `/pg/data/postgresql.auto.conf` on every pg instance with `patroni_enabled`,
/// holding `pg_parameters` in inventory order. Pigsty overwrites the whole file (tasks `pg_primary`
/// and `pg_param`), so ALTER SYSTEM changes do not survive a run.
struct PostgresAutoConfBackend: Backend {
    let name = "postgresql.auto.conf"

    /// Parameters whose values are lists of identifiers: written without surrounding quotes.
    static let listParameters: Set<String> = [
        "search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries",
        "log_destination", "shared_preload_libraries", "unix_socket_directories", "debug_io_direct",
    ]

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgInstances {
            let h = ins.host
            guard Jinja.bool(h.value("patroni_enabled"), default: true) else { continue }
            var out = Header.hash("PostgreSQL parameters (pg_parameters)", node: ins.ip, inventory: graph.inventoryName)
            out += Self.lines(h.value("pg_parameters"))
            tree.add(GeneratedFile(path: "/pg/data/postgresql.auto.conf", content: out,
                                   owner: h.string("pg_dbsu") ?? "postgres", group: "postgres", mode: 0o600,
                                   producer: "\(name):\(ins.name)"), on: ins.ip)
        }
    }

    /// `key = value` lines: list parameters bare, everything else in single quotes. Values are
    /// rendered as Python's `str()` shows them (`on` → `True`), quotes inside are not escaped.
    static func lines(_ parameters: YAMLNode?) -> String {
        guard let pairs = parameters?.mapping else { return "" }
        var out = ""
        for p in pairs {
            let key = Jinja.str(p.key)
            let value = Jinja.str(p.value)
            out += listParameters.contains(key) ? "\(key) = \(value)\n" : "\(key) = '\(value)'\n"
        }
        return out
    }
}
