import PigstyDiagnostics
import PigstyFormats
import PigstyModel

/// The provisioning scripts of every primary (`graph.pgProvision`): `/pg/bin/pg-init` with
/// `/pg/tmp/pg-init-roles.sql` and `/pg/tmp/pg-init-template.sql` (with `patroni_enabled`), one
/// `/pg/tmp/pg-user-<name>.sql` per business user and `/pg/tmp/pg-db-<name>.sql` per database,
/// and pigstyc's `/pg/bin/pg-provision`, which applies those two kinds (and drops what is absent).
///
/// Installing a script changes nothing in the running server: the scripts are run, by the dbsu,
/// when the cluster is initialised (`pg-init`) and whenever users or databases are provisioned
/// (`pg-provision`). So every file is installed in step `pgsql` and touches no unit.
struct PgProvisionBackend: Backend {
    let name = "pgprovision"
    static let apply = ApplyClass.in(.pgsql)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for p in graph.pgProvision.instances {
            let producer = "pgprovision:\(p.instance)"
            func add(_ path: String, _ content: String, owner: String, mode: Int, secrets: [String] = []) {
                tree.add(GeneratedFile(path: path, content: content, owner: owner, group: "postgres", mode: mode,
                                       producer: producer, apply: Self.apply, secrets: secrets), on: p.ip)
            }
            // Pigsty's role/database script directory: the dbsu's alone.
            tree.addDirectory(NodeDirectory(path: "/pg/tmp", owner: p.dbsu, group: "postgres", mode: 0o700,
                                            producer: producer, step: .pgsql), on: p.ip)
            // Files holding passwords are the dbsu's alone (0600); the others its group may read.
            if let i = p.initScripts {
                add("/pg/bin/pg-init", Self.initScript(p, i), owner: "root", mode: 0o740)
                add("/pg/tmp/pg-init-roles.sql", PgProvisionSQL.roles(p, i), owner: p.dbsu, mode: 0o600,
                    secrets: Array(Set(i.passwords.flatMap { [$0.password, $0.stored] }
                        + i.roles.flatMap { [$0.password, $0.storedPassword].compactMap { $0 } }).subtracting([""])).sorted())
                add("/pg/tmp/pg-init-template.sql", PgProvisionSQL.template(p, i), owner: p.dbsu, mode: 0o640)
            }
            for u in p.users {
                let secrets = Array(Set([u.password, u.storedPassword].compactMap { $0 })).sorted()
                add("/pg/tmp/pg-user-\(u.name).sql", PgProvisionSQL.user(p, u), owner: p.dbsu,
                    mode: secrets.isEmpty ? 0o640 : 0o600, secrets: secrets)
            }
            for d in p.databases {
                add("/pg/tmp/pg-db-\(d.name).sql", PgProvisionSQL.database(p, d), owner: p.dbsu, mode: 0o640)
            }
            add("/pg/bin/pg-provision", PgProvisionScript.render(p), owner: "root", mode: 0o750)
        }
    }

    /// `/pg/bin/pg-init`: the default roles in `postgres`, then the template script in
    /// `template1`, `postgres` and the mode's own database (citus: `pg_primary_db`; ivory:
    /// `ivorysql`), each through the local socket as the user running it (the dbsu).
    static func initScript(_ p: PgProvisionFiles, _ i: PgInitScripts) -> String {
        var w = LineWriter(capacity: 1024)
        w.line("#!/usr/bin/env bash")
        w.comment("shellcheck disable=SC2034,SC2046,SC2086")
        w.line("set -uo pipefail")
        Header.hash("cluster initialisation", node: p.ip, into: &w)
        w.comment("run once by the dbsu on the new primary \(p.instance); psql goes on past a failing statement")
        w.line(#"PROG_NAME="$(basename $0)""#)
        w.line(#"PROG_DIR="$(cd $(dirname $0) && pwd)""#)
        let psql = [Shell.word(i.binDir + "/psql"), "-h", Shell.word(i.socketDir), "-p", Shell.word(i.port)].joined(separator: " ")
        w.blank()
        w.comment("the default roles")
        w.line("\(psql) postgres -qAXwtf /pg/tmp/pg-init-roles.sql")
        w.blank()
        w.comment("template1, which every new database copies, and postgres get the same objects")
        for db in ["template1", "postgres"] + i.extraDatabases {
            w.line("\(psql) \(Shell.word(db)) -qAXwtf /pg/tmp/pg-init-template.sql")
        }
        return w.text
    }
}
