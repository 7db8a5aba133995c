import PigstyDiagnostics
import PigstyFormats
import PigstyModel

/// The admin's environment (`graph.adminEnv`): on infra nodes the infra role's patronictl
/// configuration, libpq password and service files, shell environment and pgAdmin server list;
/// on every node the node role's admin account (sudo rule, ssh settings); and the etcdctl profile
/// on etcd members and infra nodes.
struct AdminEnvBackend: Backend {
    let name = "adminenv"
    /// Read by the tools when they run; no daemon to reload.
    static let infraApply = ApplyClass.in(.infra)
    static let nodeApply = ApplyClass.in(.node)
    static let etcdApply = ApplyClass.in(.etcd)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let env = graph.adminEnv
        for e in env.infra { emitInfra(e, into: &tree) }
        for a in env.admins {
            let producer = "adminenv:admin"
            // The group `admin` (gid node_admin_uid) always; the user with its own primary group
            // (useradd's default), unless it is called `admin` itself.
            tree.addGroup(NodeGroup(name: "admin", gid: a.uid, producer: producer, step: .node), on: a.ip)
            let primary = a.username == "admin" ? "admin" : a.username
            if primary != "admin" { tree.addGroup(NodeGroup(name: primary, producer: producer, step: .node), on: a.ip) }
            tree.addUser(NodeUser(name: a.username, uid: a.uid, group: primary, groups: ["admin"],
                                  home: "/home/\(a.username)", producer: producer, step: .node), on: a.ip)
            tree.add(GeneratedFile(path: "/etc/sudoers.d/\(a.username)", content: Self.adminSudoers(a), mode: 0o440,
                                   producer: producer, apply: Self.nodeApply.verified(by: .sudoers)), on: a.ip)
            tree.addDirectory(NodeDirectory(path: "/home/\(a.username)/.ssh", owner: a.username, group: "admin", mode: 0o700,
                                            producer: producer, step: .node), on: a.ip)
            tree.add(GeneratedFile(path: "/home/\(a.username)/.ssh/config", content: PgNodeBackend.sshConfig(node: a.ip),
                                   owner: a.username, group: "admin", mode: 0o600, producer: producer,
                                   apply: Self.nodeApply), on: a.ip)
        }
        for p in env.etcdctl {
            tree.add(GeneratedFile(path: "/etc/profile.d/etcdctl.sh", content: Self.etcdctl(p),
                                   producer: p.passwordUsers == nil ? "adminenv:etcdctl" : "etcdctl:member",
                                   apply: p.passwordUsers == nil ? Self.infraApply : Self.etcdApply),
                     on: p.ip)
        }
    }

    func emitInfra(_ e: InfraEnvFiles, into tree: inout FileTree) {
        let producer = "adminenv:infra"
        func add(_ path: String, _ content: String, owner: String = "root", group: String = "root", mode: Int = 0o644,
                 secrets: [String] = [], placement: FilePlacement = .whole) {
            tree.add(GeneratedFile(path: path, content: content, owner: owner, group: group, mode: mode, producer: producer,
                                   apply: Self.infraApply, secrets: secrets, placement: placement), on: e.ip)
        }
        tree.addGroup(NodeGroup(name: "admin", gid: e.adminGID, producer: producer, step: .node), on: e.ip)
        let c = e.patronictl
        add("/infra/conf/patronictl.yml", Self.patronictl(c, node: e.ip), group: "admin", mode: 0o640,
            secrets: [c.etcdPassword, c.password])
        add("/infra/pgadmin/pgpass", Self.pgpass([e.admin], node: e.ip), mode: 0o600, secrets: [e.admin.password])
        add("/infra/pgadmin/servers.json", Self.servers(e.pgadminServers), mode: 0o600)
        add("/etc/profile.d/pglog.sh", Self.pglog(node: e.ip))
        let home = e.home
        let owner = e.homeOwner
        add(home + "/.pgpass", Self.pgpass(e.pgpass, node: e.ip), owner: owner, group: owner, mode: 0o600,
            secrets: e.pgpass.map(\.password), placement: .managedBlock)
        add(home + "/.pg_service.conf", Self.pgService(e.services, node: e.ip), owner: owner, group: owner, mode: 0o600,
            secrets: Array(Set(e.services.map(\.password))).sorted())
        add(home + "/.pigsty", Self.pigstyEnv(e, node: e.ip), owner: owner, group: owner, mode: 0o600,
            secrets: [e.grafana.password])
        add(home + "/.bashrc", Self.bashrc(node: e.ip), owner: owner, group: owner, placement: .managedBlock)
    }

    /// `/etc/sudoers.d/<node_admin_username>`: the `admin` group's rule.
    static func adminSudoers(_ a: NodeAdminFiles) -> String {
        var w = LineWriter(capacity: 256)
        Header.hash("sudo rule of the admin group", node: a.ip, into: &w)
        switch a.sudo {
        case "all": w.line("%admin ALL=(ALL) ALL")
        case "limit": w.line("%admin ALL=(ALL) NOPASSWD: /bin/systemctl, /usr/bin/journalctl, /bin/cat, /bin/less, /bin/tail, /bin/head")
        case "nopass": w.line("%admin ALL=(ALL) NOPASSWD: ALL")
        default:
            w.comment("node_admin_sudo '\(a.sudo)' is not all, limit or nopass: nopass")
            w.line("%admin ALL=(ALL) NOPASSWD: ALL")
        }
        return w.text
    }

    /// `/etc/profile.d/etcdctl.sh`.
    static func etcdctl(_ p: EtcdctlProfile) -> String {
        var w = LineWriter(capacity: 512)
        w.line("#!/bin/bash")
        Header.hash("etcdctl environment", node: p.ip, into: &w)
        w.line(#"alias e="etcdctl""#)
        w.line(#"alias em="etcdctl member""#)
        if let endpoints = p.endpoints {
            w.line("export ETCDCTL_ENDPOINTS=\(Shell.dq(endpoints.joined(separator: ",")))")
        }
        switch p.certificates {
        case .etcd?:
            w.line("export ETCDCTL_CACERT=/etc/etcd/ca.crt")
            w.line("export ETCDCTL_CERT=/etc/etcd/server.crt")
            w.line("export ETCDCTL_KEY=/etc/etcd/server.key")
        case .infra?:
            w.line("export ETCDCTL_CACERT=/etc/pki/ca.crt")
            w.line("export ETCDCTL_CERT=/etc/pki/infra.crt")
            w.line("export ETCDCTL_KEY=/etc/pki/infra.key")
        case nil:
            break
        }
        if let users = p.passwordUsers {
            w.blank()
            w.comment("root and the admin log in to etcd as its root user")
            w.line(#"case "$(id -un)" in"#)
            w.line("  " + users.map(Shell.word).joined(separator: "|") + ")")
            w.line("    # shellcheck disable=SC2155")
            w.line(#"    [ -r /etc/etcd/etcd.pass ] && export ETCDCTL_USER="root:$(cat /etc/etcd/etcd.pass)""#)
            w.line("    ;;")
            w.line("esac")
        }
        return w.text
    }

    /// `/infra/conf/patronictl.yml`: patronictl reaches every cluster through etcd, and
    /// Patroni's REST API with its credentials.
    static func patronictl(_ c: PatronictlConfig, node: String) -> String {
        var api: [PYEntry] = [
            .pair("listen", .str("0.0.0.0:\(c.restPort)")),
            .pair("connect_address", .str(c.connectAddress)),
        ]
        let tls: [PYEntry] = [
            .pair("insecure", .raw("false")),
            .pair("cacert", .single("/etc/pki/ca.crt")),
            .pair("certfile", .single("/etc/pki/infra.crt")),
            .pair("keyfile", .single("/etc/pki/infra.key")),
        ]
        if c.ssl { api += tls }
        api += [
            .comment("unsafe endpoints need these credentials"),
            .pair("authentication", .block([
                .pair("verify_client", .raw("optional")),
                .pair("username", .single(c.username)),
                .pair("password", .single(c.password)),
            ])),
            .pair("allowlist", .flowList(c.allowlist.map { .str($0) }, padded: true)),
        ]
        let doc: [PYEntry] = [
            .comment("etcd, where every cluster's leader and members are"),
            .pair("namespace", .str(c.namespace)),
            .pair("etcd3", .block([
                .pair("hosts", .single(c.etcdHosts.joined(separator: ","))),
                .pair("protocol", .raw("https")),
                .pair("cacert", .str("/etc/pki/ca.crt")),
                .pair("cert", .str("/etc/pki/infra.crt")),
                .pair("key", .str("/etc/pki/infra.key")),
                .pair("username", .quoted("root")),
                .pair("password", .quoted(c.etcdPassword)),
            ])),
            .blank,
            .comment("Patroni's REST API"),
            .pair("restapi", .block(api)),
            .blank,
            .pair("ctl", .block(c.ssl ? tls : [.pair("insecure", .raw("true"))])),
        ]
        return Header.hash("patronictl configuration", node: node) + PYAML.document(doc, start: true)
    }

    /// A libpq password file: `*:*:*:user:password` lines, `\` and `:` escaped as libpq reads them.
    static func pgpass(_ entries: [InfraEnvFiles.Credential], node: String) -> String {
        var w = LineWriter(capacity: 256)
        Header.hash("libpq passwords", node: node, into: &w)
        for e in entries { w.line("*:*:*:\(pgpassField(e.user)):\(pgpassField(e.password))") }
        return w.text
    }

    static func pgpassField(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u == "\\" || u == ":" { out += "\\" }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// pgAdmin's server list, numbered from 1 in inventory order.
    static func servers(_ servers: [PgadminServer]) -> String {
        let list: [(String, JSONWriter.Value)] = servers.enumerated().map { i, s in
            (String(i + 1), .object([
                ("Name", .string(s.name)), ("Group", .string(s.group)), ("Host", .string(s.host)),
                ("Port", .int(s.port)), ("MaintenanceDB", .string("postgres")), ("Username", .string(s.username)),
                ("SSLMode", .string("disable")), ("PassFile", .string("/pgpass")), ("Timeout", .int(10)),
            ]))
        }
        return JSONWriter.render(.object([("Servers", .object(list))]), style: .pretty(indent: 4)) + "\n"
    }

    /// `/etc/profile.d/pglog.sh`: load CSV logs into the CMDB's pglog schema, fetch a node's log.
    static func pglog(node: String) -> String {
        var w = LineWriter(capacity: 768)
        w.line("#!/bin/bash")
        Header.hash("pglog shortcuts", node: node, into: &w)
        w.comment("pipe a PostgreSQL CSV log into pglog.sample (pglog14 by default) in the meta service")
        w.line(#"alias pglog="psql   service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample14 FROM STDIN CSV;'""#)
        for v in ["12", "13", "14"] {
            w.line(#"alias pglog\#(v)="psql service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample\#(v) FROM STDIN CSV;'""#)
        }
        w.blank()
        w.comment("catlog [NODE]: print a node's PostgreSQL CSV logs (this node by default)")
        w.line("catlog() ( # getlog <ip|host> <date:YYYY-MM-DD>")
        w.line("    node=${1:-127.0.0.1}")
        w.line(#"    ssh -t "${node}" "sudo cat /pg/log/postgres/postgresql-*.csv""#)
        w.line(")")
        return w.text
    }

    /// `~/.pg_service.conf`: one libpq service per section, `key=value` lines (libpq allows no
    /// blanks around `=`); values are checked to be one line (PGS0412).
    static func pgService(_ entries: [PgServiceEntry], node: String) -> String {
        var w = LineWriter(capacity: 256 + entries.count * 160)
        Header.hash("libpq connection services", node: node, into: &w)
        for (i, e) in entries.enumerated() {
            w.blank()
            if i == 0 { w.comment("the CMDB") } else if let comment = e.comment { w.comment(comment) }
            w.line("[\(e.name)]")
            w.line("host=\(e.host)")
            w.line("port=\(e.port)")
            // The CMDB names its database first, as Pigsty's file does.
            if i == 0 { w.line("dbname=\(e.dbname)") }
            w.line("user=\(e.user)")
            w.line("password=\(e.password)")
            if i != 0 { w.line("dbname=\(e.dbname)") }
        }
        return w.text
    }

    /// `~/.pigsty`: the admin's defaults for psql and Grafana's API.
    static func pigstyEnv(_ e: InfraEnvFiles, node: String) -> String {
        var w = LineWriter(capacity: 512)
        w.line("#!/bin/bash")
        Header.hash("admin environment", node: node, into: &w)
        w.comment("psql's defaults")
        w.line("export PGUSER=\(Shell.word(e.admin.user))")
        w.line("export PGDATABASE=postgres")
        w.line(#"export METADB_URL="service=meta""#)
        w.comment("Grafana's API")
        w.line("export GRAFANA_ENDPOINT=http://127.0.0.1/ui")
        w.line("export GRAFANA_USERNAME=\(Shell.word(e.grafana.user))")
        w.line("export GRAFANA_PASSWORD=\(Shell.word(e.grafana.password))")
        w.comment("a pigsty checkout in the home directory")
        w.line(#"if [ -d "${HOME}/pigsty" ]; then"#)
        w.line(#"  export PIGSTY_HOME="${HOME}/pigsty""#)
        w.line("fi")
        return w.text
    }

    /// The line `~/.bashrc` gets: load `~/.pigsty`.
    static func bashrc(node: String) -> String {
        var w = LineWriter(capacity: 128)
        Header.hash("admin environment", node: node, into: &w)
        w.line("# shellcheck source=/dev/null")
        w.line("[ -f ~/.pigsty ] && . ~/.pigsty")
        return w.text
    }
}
