import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// postgresql.auto.conf: `/pg/data/postgresql.auto.conf` on every pg instance with `patroni_enabled`,
/// holding `pg_parameters` in inventory order. Pigsty overwrites the whole file (tasks `pg_primary`
/// and `pg_param`), so ALTER SYSTEM changes do not survive a run.
struct PostgresAutoConfBackend: Backend {
    let name = "postgresql.auto.conf"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgsql.instances {
            guard let parameters = ins.autoConf else { continue }
            var out = Header.hash("PostgreSQL parameters (pg_parameters)", node: ins.ip, inventory: graph.inventoryName)
            out += Self.lines(parameters)
            tree.add(GeneratedFile(path: "/pg/data/postgresql.auto.conf", content: out,
                                   owner: ins.fileOwner, group: "postgres", mode: 0o600,
                                   producer: "\(name):\(ins.name)", apply: .in(.pgsql, .reload("patroni"))), on: ins.ip)
        }
    }

    /// `key = value` lines: list parameters bare, everything else in single quotes; quotes inside
    /// are not escaped (as Pigsty's template writes them).
    static func lines(_ parameters: [PgParameter]) -> String {
        parameters.map { $0.quoted ? "\($0.name) = '\($0.value)'\n" : "\($0.name) = \($0.value)\n" }.joined()
    }
}
