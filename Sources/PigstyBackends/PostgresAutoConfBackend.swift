import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// postgresql.auto.conf: `/pg/data/postgresql.auto.conf` on every pg instance with `patroni_enabled`,
/// holding `pg_parameters` in inventory order. Pigsty overwrites the whole file (tasks `pg_primary`
/// and `pg_param`), so ALTER SYSTEM changes do not survive a run.
struct PostgresAutoConfBackend: Backend {
    let name = "postgresql.auto.conf"
    /// Inside the data directory: written only once Patroni has initialised it.
    static let autoConfApply = ApplyClass.in(.pgsql, .reload("patroni")).with(.postgresParameters(version: nil, versionKey: nil))
        .afterStart(of: "patroni")

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgsql.instances {
            for r in ins.rejectedParameters {
                sink.report(.pgParameterName,
                            "pg_parameters key '\(LineWriter.escaped(r.name))' of \(ins.name) is not a PostgreSQL parameter name ([A-Za-z_][A-Za-z0-9_]*, optionally qualified once: cron.database_name); it is not written to postgresql.auto.conf",
                            at: r.range)
            }
            guard let parameters = ins.autoConf else { continue }
            var w = PostgresConfWriter()
            w.verbatim(Header.hash("PostgreSQL parameters (pg_parameters)", node: ins.ip))
            Self.write(parameters, into: &w)
            tree.add(GeneratedFile(path: "/pg/data/postgresql.auto.conf", content: w.text,
                                   owner: ins.fileOwner, group: "postgres", mode: 0o600,
                                   producer: "\(name):\(ins.name)", apply: Self.autoConfApply), on: ins.ip)
        }
    }

    /// `name = value` lines: list parameters bare when the value is one token, everything else in
    /// single quotes, escaped so PostgreSQL reads back exactly the value (`PostgresConfWriter`).
    static func write(_ parameters: [PgParameter], into w: inout PostgresConfWriter) {
        for p in parameters {
            if p.quoted { w.set(p.name, p.value) } else { w.setBare(p.name, p.value) }
        }
    }
}
