import PigstyDiagnostics
import PigstyFormats
import PigstyModel

/// A PostgreSQL node's supporting files (`graph.pgNode`), as Pigsty's pgsql role writes them on
/// every instance: `/etc/pgbackrest/pgbackrest.conf`, the pgsodium key and its script, the shell
/// profile and aliases, the dbsu's `.psqlrc`, `.ssh/config`, sudo rules and crontab; with the
/// dbsu account and the directories those files need; and pigstyc's own `/pg/bin` scripts the
/// generated configuration calls (`pg-role`, `pg-backup`, `pg-failover-callback`).
struct PgNodeBackend: Backend {
    let name = "pgnode"
    /// Nothing runs from these files as a daemon: pgbackrest, the scripts, psql, sudo and cron
    /// read them when they are used.
    static let apply = ApplyClass.in(.pgsql)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for p in graph.pgNode.instances {
            let producer = "pgnode:\(p.instance)"
            func add(_ path: String, _ content: String, owner: String = "root", group: String = "root",
                     mode: Int = 0o644, secrets: [String] = [], apply: ApplyClass = Self.apply) {
                tree.add(GeneratedFile(path: path, content: content, owner: owner, group: group, mode: mode,
                                       producer: producer, apply: apply, secrets: secrets), on: p.ip)
            }
            tree.addGroup(NodeGroup(name: "postgres", gid: p.dbsuUID, producer: producer, step: .pgsql), on: p.ip)
            tree.addUser(NodeUser(name: p.dbsu, uid: p.dbsuUID, group: "postgres", groups: ["postgres"],
                                  home: p.dbsuHome, producer: producer, step: .pgsql), on: p.ip)
            if let b = p.backrest {
                tree.addDirectory(NodeDirectory(path: "/etc/pgbackrest", owner: b.owner, group: "postgres", mode: 0o750,
                                                producer: producer, step: .pgsql), on: p.ip)
                add("/etc/pgbackrest/pgbackrest.conf", Self.pgbackrest(b, instance: p.instance, node: p.ip),
                    owner: b.owner, group: "postgres", mode: 0o640, secrets: b.secrets)
            }
            add("/pg/bin/pg-role", PgBinScripts.role(port: p.profile.port, node: p.ip), group: "postgres", mode: 0o755)
            if let b = p.backrest {
                add("/pg/bin/pg-backup", PgBinScripts.backup(stanza: b.stanza, node: p.ip), group: "postgres", mode: 0o755)
            }
            if let logDir = p.patroniLogDir {
                add("/pg/bin/pg-failover-callback", PgBinScripts.failoverCallback(logDir: logDir, port: p.profile.port, node: p.ip),
                    group: "postgres", mode: 0o755)
            }
            if let key = p.pgsodiumKey {
                add("/pg/conf/pgsodium.key", key, owner: p.dbsu, group: "postgres", mode: 0o600, secrets: [key])
                add("/pg/bin/pgsodium_getkey", Self.pgsodiumGetkey(key, node: p.ip), group: "postgres", mode: 0o750,
                    secrets: [key])
            }
            add("/etc/profile.d/pgsql.sh", Self.profile(p.profile, node: p.ip))
            add("/etc/profile.d/pg-alias.sh", PgAliasScript.render(dataDir: p.dataDir, node: p.ip))
            add("/etc/sudoers.d/postgres", Self.sudoers(p.sudo, dbsu: p.dbsu, node: p.ip), mode: 0o440,
                apply: Self.apply.verified(by: .sudoers))
            add(p.dbsuHome + "/.psqlrc", PsqlrcText.render(node: p.ip), owner: p.dbsu, group: "postgres", mode: 0o600)
            tree.addDirectory(NodeDirectory(path: p.dbsuHome + "/.ssh", owner: p.dbsu, group: "postgres", mode: 0o700,
                                            producer: producer, step: .pgsql), on: p.ip)
            add(p.dbsuHome + "/.ssh/config", Self.sshConfig(node: p.ip), owner: p.dbsu, group: "postgres", mode: 0o600)
            if let c = p.crontab {
                add(c.path, Self.crontab(c, node: p.ip), owner: c.user, group: c.group, mode: 0o600)
            }
        }
    }

    /// pgBackRest's INI: the stanza, `[global]` settings and the repository, then per-command
    /// process limits. Values are checked to be one line (PGS0412); the writer escapes any line
    /// break that still arrives.
    static func pgbackrest(_ b: PgBackrestConfig, instance: String, node: String) -> String {
        var w = LineWriter(capacity: 2048)
        Header.hash("pgBackRest configuration", node: node, into: &w)
        w.comment("instance \(instance), stanza \(b.stanza)")
        w.blank()
        w.comment("the cluster: its data directory and port")
        w.line("[\(b.stanza)]")
        w.line("pg1-path=\(b.dataPath)")
        w.line("pg1-port=\(b.port)")
        if let version = b.versionForce {
            w.comment("IvorySQL: WAL headers are not PostgreSQL's, its version is given")
            w.line("archive-header-check=n")
            w.line("pg-version-force=\(version)")
        }
        w.blank()
        w.line("[global]")
        w.comment("WAL archiving: asynchronous, at most 4 GiB queued")
        w.line("archive-async=y")
        w.line("archive-push-queue-max=4GiB")
        w.comment("backups: labelled with the cluster, checkpoint at once, expired after each")
        w.line("annotation=pg_cluster=\(b.stanza)")
        w.line("expire-auto=y")
        w.line("start-fast=y")
        w.line("compress-type=zst")
        w.line("spool-path=/pg/spool")
        w.line("log-path=\(b.logPath)")
        w.line("log-level-file=info")
        w.line("log-level-console=info")
        w.comment("repository 1 (pgbackrest_repo[pgbackrest_method])")
        for o in b.repo { w.line("\(o.key)=\(o.value)") }
        w.comment("restores overwrite only what differs; archive-mode is left to the command line")
        w.line("delta=y")
        for (section, count, why) in [("backup", b.processMax, "a quarter of the CPUs, 2 to 4"),
                                       ("restore", b.restoreProcessMax, "every CPU, at most 8"),
                                       ("archive-get", b.processMax, "a quarter of the CPUs, 2 to 4"),
                                       ("archive-push", b.processMax, "a quarter of the CPUs, 2 to 4")] {
            w.blank()
            w.line("[global:\(section)]")
            w.comment(why)
            w.line("process-max=\(count)")
        }
        return w.text
    }

    /// The script pgsodium runs for its server key: the key file, else the key itself (and a
    /// failure status, as Pigsty's script returns).
    static func pgsodiumGetkey(_ key: String, node: String) -> String {
        var w = LineWriter(capacity: 512)
        w.line("#!/bin/bash")
        Header.hash("pgsodium key script", node: node, into: &w)
        w.comment("pgsodium reads its root key from this script's output at server start")
        w.line(#"PGSODIUM_KEY_PATH="/pg/conf/pgsodium.key""#)
        w.line("if [[ ! -f $PGSODIUM_KEY_PATH ]]; then")
        w.line("  echo \(Shell.dq(key))")
        w.line("  exit 1")
        w.line("fi")
        w.line("cat $PGSODIUM_KEY_PATH")
        return w.text
    }

    /// `/etc/profile.d/pgsql.sh`: PostgreSQL's binaries on `PATH` and libpq's defaults.
    static func profile(_ p: PgProfile, node: String) -> String {
        var w = LineWriter(capacity: 256)
        Header.hash("PostgreSQL environment", node: node, into: &w)
        if Shell.plainInDoubleQuotes(p.binDir) {
            w.line("export PATH=\"\(p.binDir):/pg/bin:$PATH\"")
        } else {
            w.line("export PATH=\(Shell.single(p.binDir + ":/pg/bin:"))\"$PATH\"")
        }
        w.line("export PGHOME=\(Shell.word(p.home))")
        w.line("export PGDATA=\(Shell.word(p.dataDir))")
        w.line("export PGPORT=\(Shell.word(p.port))")
        w.line("export PGDATABASE=\(Shell.word(p.database))")
        return w.text
    }

    /// The units the dbsu may control without a password (`pg_dbsu_sudo: limit`).
    static let limitedUnits = ["postgres", "pgbouncer", "patroni", "pgbackrest", "pg_exporter", "pgbouncer_exporter",
                               "pgbackrest_exporter", "vip-manager"]

    /// `/etc/sudoers.d/postgres`. The rules name the account `postgres` or the group `%postgres`,
    /// as Pigsty's do; the dbsu's name is an argument of `chown`.
    static func sudoers(_ mode: DbsuSudo, dbsu: String, node: String) -> String {
        var w = LineWriter(capacity: 3072)
        Header.hash("sudo rules of the database superuser", node: node, into: &w)
        switch mode {
        case .none:
            w.comment("pg_dbsu_sudo: none")
        case .nopass:
            w.line("postgres ALL=(ALL) NOPASSWD: ALL")
        case .all:
            w.line("postgres ALL=(ALL) ALL")
        case .limit:
            w.comment("the watchdog Patroni uses")
            w.line("%postgres ALL=NOPASSWD: /sbin/modprobe softdog")
            w.line("%postgres ALL=NOPASSWD: /bin/chown \(sudoersWord(dbsu)) /dev/watchdog")
            for unit in limitedUnits {
                w.blank()
                w.comment("unit \(unit)")
                for verb in ["stop", "start", "status", "reload", "restart"] {
                    w.line("%postgres ALL=NOPASSWD: /bin/systemctl \(verb) \(unit)")
                }
                w.line("%postgres ALL=NOPASSWD: /usr/bin/journalctl -u \(unit)")
            }
            w.blank()
            w.line("%postgres ALL=NOPASSWD: /bin/systemctl reload haproxy")
        }
        return w.text
    }

    /// A command argument in a sudoers rule: `\` before the characters sudoers gives a meaning
    /// (`,`, `:`, `=`, `\`, blanks, `#`); a checked user name has none.
    static func sudoersWord(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if ",:=\\ \t#".unicodeScalars.contains(u) { out += "\\" }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// `~/.ssh/config`: the cluster's hosts are trusted on first contact (Pigsty exchanges keys
    /// among them).
    static func sshConfig(node: String) -> String {
        var w = LineWriter(capacity: 128)
        Header.hash("ssh client settings", node: node, into: &w)
        w.line("StrictHostKeyChecking=no")
        return w.text
    }

    /// The dbsu's crontab: cron's environment, then `pg_crontab`, one entry per line (checked to
    /// be one line, PGS0412).
    static func crontab(_ c: PgCrontab, node: String) -> String {
        var w = LineWriter(capacity: 512)
        Header.hash("crontab of \(c.user)", node: node, into: &w)
        w.line("SHELL=/bin/bash")
        w.line("PATH=/usr/pgsql/bin:/pg/bin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin")
        w.line(#"MAILTO="""#)
        for job in c.jobs { w.line(job) }
        return w.text
    }
}
