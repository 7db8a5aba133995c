import Foundation
import PigstyDiagnostics
import PigstyFormats
import PigstyInventory
import PigstyYAML

/// The typed resources of PostgreSQL instance settings: Patroni's configuration, postgresql.auto.conf, pgbouncer.
public struct PgsqlModel: Sendable {
    /// One entry per instance, in `graph.pgInstances` order.
    public let instances: [PgInstanceSettings]

    init(instances: [PgInstanceSettings] = []) { self.instances = instances }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> PgsqlModel {
        PgsqlModel(instances: graph.pgInstances.map { PgInstanceSettings.lower($0, graph: graph) })
    }
}

/// What one PostgreSQL instance's files are made from, every value read and derived once.
public struct PgInstanceSettings: Sendable {
    public let ip: String
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    /// Owner of the instance's files: `pg_dbsu`, `postgres` when it is empty or null (a file needs
    /// an owner; the schema default applies when it is unset).
    public let fileOwner: String
    /// `pg_listen` with its placeholders substituted (see `listenAddresses`); Patroni's
    /// `postgresql.listen` and pgbouncer's `listen_addr` both use it.
    public let listen: String
    /// Patroni's configuration; nil without `patroni_enabled`.
    public let patroni: PatroniSettings?
    /// `pg_parameters` for postgresql.auto.conf, in inventory order; nil without `patroni_enabled`
    /// (Pigsty writes the file in the same role).
    public let autoConf: [PgParameter]?
    /// `pg_parameters` keys that are not PostgreSQL parameter names (`PostgresConfWriter.isName`):
    /// left out of `autoConf`, kept here (with where they are) for the back end to report.
    public let rejectedParameters: [RejectedPgParameter]
    /// pgbouncer's configuration; nil without `pgbouncer_enabled`.
    public let pgbouncer: PgbouncerConfig?

    static func lower(_ ins: PgInstanceResource, graph: ResourceGraph) -> PgInstanceSettings {
        let h = ins.host
        let listen = listenAddresses(Jinja.text(h.value("pg_listen")), ip: ins.ip, vip: ins.vip)
        let facts = graph.node(ins.ip)?.facts ?? .standard
        let auto = ins.patroniEnabled ? autoConfParameters(h.value("pg_parameters")) : nil
        return PgInstanceSettings(
            ip: ins.ip, name: ins.name, fileOwner: h.string("pg_dbsu") ?? "postgres", listen: listen,
            patroni: ins.patroniEnabled ? PatroniSettings.lower(ins, graph: graph, listen: listen, facts: facts) : nil,
            autoConf: auto?.parameters, rejectedParameters: auto?.rejected ?? [],
            pgbouncer: ins.pgbouncerEnabled ? PgbouncerConfig.lower(h, listen: listen) : nil)
    }

    /// `pg_listen` with `${ip}` → the instance's IP, `${lo}` → 127.0.0.1 and, only with an enabled
    /// VIP given as `<ip>/<mask>` outside 127.0.0.x, `${vip}` → the VIP's address (otherwise
    /// `${vip}` stays). Pigsty's patroni and pgbouncer templates substitute the same way.
    public static func listenAddresses(_ pgListen: String, ip: String, vip: PgVIP) -> String {
        var s = pgListen.replacingOccurrences(of: "${ip}", with: ip).replacingOccurrences(of: "${lo}", with: "127.0.0.1")
        if vip.enabled, !vip.text.hasPrefix("127.0.0"), vip.hasMask {
            s = s.replacingOccurrences(of: "${vip}", with: vip.address)
        }
        return s
    }

    /// Parameters whose values are lists of identifiers: written without surrounding quotes.
    static let listParameters: Set<String> = [
        "search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries",
        "log_destination", "shared_preload_libraries", "unix_socket_directories", "debug_io_direct",
    ]

    /// `pg_parameters` as postgresql.auto.conf lines: list parameters bare, everything else quoted.
    /// Values as Python's `str()` shows them (`on` → `True`). A key that is not a parameter name
    /// would be a line PostgreSQL cannot parse (or, with a line break, lines of its own choosing):
    /// it is left out and returned in `rejected`.
    static func autoConfParameters(_ parameters: YAMLNode?) -> (parameters: [PgParameter], rejected: [RejectedPgParameter]) {
        var kept: [PgParameter] = []
        var rejected: [RejectedPgParameter] = []
        for p in parameters?.mapping ?? [] {
            let key = Jinja.str(p.key)
            guard PostgresConfWriter.isName(key) else {
                rejected.append(RejectedPgParameter(name: key, range: p.key.range))
                continue
            }
            // A YAML list is a PostgreSQL list: its items joined by ", " (Pigsty prints Python's
            // repr, `['a', 'b']`, which PostgreSQL cannot read; docs/differences.md).
            let value = p.value.sequence.map { $0.map { Jinja.str($0) }.joined(separator: ", ") } ?? Jinja.str(p.value)
            kept.append(PgParameter(key, value, quoted: !listParameters.contains(key)))
        }
        return (kept, rejected)
    }
}

/// A `pg_parameters` key lowering left out: not a PostgreSQL parameter name.
public struct RejectedPgParameter: Sendable, Equatable {
    public let name: String
    public let range: SourceRange?
}

/// A PostgreSQL parameter with its final text; `quoted`: the template writes it as a quoted string.
public struct PgParameter: Sendable, Equatable {
    public let name: String
    public let value: String
    public let quoted: Bool

    public init(_ name: String, _ value: String, quoted: Bool) {
        self.name = name
        self.value = value
        self.quoted = quoted
    }
}
