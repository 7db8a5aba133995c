import PigstyFormats

/// `/etc/profile.d/pg-alias.sh`: the shell shortcuts Pigsty's pgsql role gives every login on a
/// PostgreSQL node (Patroni and PostgreSQL control, pgbouncer, pgBackRest, log tails), with the
/// same aliases and functions. The only inventory value is `pg_data`; each use of it is quoted
/// for where it stands (`{data}` in the bodies below).
enum PgAliasScript {
    /// How an alias body is quoted in the file.
    enum Quote { case single, double }

    struct Alias {
        let name: String
        let quote: Quote
        /// The body as it stands between its quotes; `{data}` is the data directory.
        let body: String

        init(_ name: String, _ quote: Quote, _ body: String) {
            self.name = name
            self.quote = quote
            self.body = body
        }

        /// A single-quoted alias.
        init(_ name: String, _ body: String) { self.init(name, .single, body) }
    }

    /// A titled group of aliases, optionally followed by function lines.
    struct Group {
        let title: String
        let aliases: [Alias]
        let functions: [String]
    }

    static let patroni = Group(title: "Patroni and PostgreSQL", aliases: [
        Alias("pt-start", "sudo systemctl start patroni"),
        Alias("pt-stop", "sudo systemctl stop patroni"),
        Alias("pt-reload", "sudo systemctl reload patroni"),
        Alias("pt-restart", "sudo systemctl restart patroni"),
        Alias("pg-s", "ps -fp $(pgrep -u postgres); systemctl status patroni; pg list"),
        Alias("pg-start", "pg_ctl -D {data} start"),
        Alias("pg-stop", "pg_ctl -D {data} stop"),
        Alias("pg-restart", "pg_ctl -D {data} restart"),
        Alias("pg-reload", "pg_ctl -D {data} reload"),
        Alias("pg-promote", "pg_ctl -D {data} promote"),
        Alias("pg-up", "sudo systemctl start patroni"),
        Alias("pg-dw", "sudo systemctl stop patroni"),
        Alias("pg-rc", "sudo systemctl reload patroni"),
        Alias("pg-rb", "sudo systemctl restart patroni"),
        Alias("pg-st", "systemctl status patroni; systemctl status pgbouncer; systemctl status pg_exporter; "),
        Alias("pg-ps", "ps -fp $(pgrep -u postgres)"),
        Alias("pg-cf", .double, "cat {data}/patroni.dynamic.json | jq"),
        Alias("pg-d", .double, "cd {data}"),
        Alias("pg-c", .double, "vi {data}/postgresql.conf"),
        Alias("pg-h", .double, "vi {data}/pg_hba.conf"),
        Alias("pg-db", .double, "oid2name | grep -v postgres | grep -v template"),
        Alias("pg-md", .double, #" sed 's/+/|/g' | sed 's/^/|/' | sed 's/$/|/' |  grep -v rows | grep -v '||'"#),
        Alias("pg-ts", #"psql -qAXtwc "SELECT CURRENT_TIMESTAMP;""#),
        Alias("pg-r", .double, #"psql -qAXtwc \"SELECT CASE pg_is_in_recovery() WHEN TRUE THEN 'replica' ELSE 'primary' END\";"#),
        Alias("pg-repl", #"psql -qXxwc "TABLE pg_stat_replication;""#),
        Alias("pg-recv", #"psql -qXxwc "TABLE pg_stat_wal_receiver;""#),
        Alias("pg-mt", .double, "curl -sL localhost:9630/metrics | grep -v '#' | grep pg_"),
        Alias("pg-lsn", #"psql -qAXtwc "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn;""#),
        Alias("pg-ll", #"while true; do psql -qAXtwc "SELECT NOW(), CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn;"; sleep 0.2; done"#),
        Alias("pg-wal", #"psql -qAXtwc "SELECT pg_walfile_name(pg_current_wal_lsn()) AS wal;""#),
        Alias("pg-kill", .double, #"psql -wc \"SELECT pg_terminate_backend(pid) AS killed, NOW()-backend_start AS time,datname, usename, application_name AS appname, client_addr,state FROM pg_stat_activity WHERE backend_type = 'client backend' and pid <> pg_backend_pid();\""#),
        Alias("pg-kk", .double, #"while true; do psql -wc \"SELECT pg_terminate_backend(pid) AS killed, NOW()-backend_start AS time,datname, usename, application_name AS appname, client_addr,state FROM pg_stat_activity WHERE backend_type = 'client backend' and application_name != 'pg_exporter' and pid <> pg_backend_pid();\"; sleep 0.1; done"#),
        Alias("pg-cancel", .double, #"psql -wc \"SELECT pg_cancel_backend(pid) AS canceled, NOW()-state_change AS time, datname, usename, application_name AS appname, client_addr,state FROM pg_stat_activity WHERE backend_type = 'client backend' and pid <> pg_backend_pid();\""#),
        Alias("pg-cc", .double, #"while true; do psql -wc \"SELECT pg_cancel_backend(pid) AS canceled, NOW()-state_change AS time, datname, usename, application_name AS appname, client_addr,state FROM pg_stat_activity WHERE backend_type = 'client backend' and pid <> pg_backend_pid();\"; sleep 0.1; done"#),
    ], functions: [
        "# pg: patronictl with the admin's configuration when readable, else the node's own",
        "pg() (",
        #"    patroni_conf="/infra/conf/patronictl.yml""#,
        #"    if [ ! -r "${patroni_conf}" ]; then"#,
        #"        patroni_conf="/etc/patroni/patroni.yml""#,
        #"        if [ ! -r "${patroni_conf}" ]; then"#,
        #"            echo "error: patronictl config not found""#,
        "            return 1",
        "        fi",
        "    fi",
        #"    patronictl -c "${patroni_conf}" "$@""#,
        ")",
    ])

    static let pgbouncer = Group(title: "pgbouncer", aliases: [
        Alias("pgb", "psql -p6432 -dpgbouncer"),
        Alias("pgb-st", "systemctl status pgbouncer"),
        Alias("pgb-ps", "ps aux | grep pgbouncer"),
        Alias("pgb-start", "sudo systemctl start pgbouncer"),
        Alias("pgb-stop", "sudo systemctl stop pgbouncer"),
        Alias("pgb-restart", "sudo systemctl restart pgbouncer"),
        Alias("pgb-reload", "sudo systemctl reload pgbouncer"),
        Alias("pgb-new", "/usr/bin/pgbouncer -d -R /etc/pgbouncer/pgbouncer.ini"),
        Alias("pgb-stat", #"psql -p6432 -dpgbouncer -xc "SHOW STATS;""#),
        Alias("pgb-pool", #"psql -p6432 -dpgbouncer -xc "SHOW POOLS;""#),
        Alias("pgb-dir", .double, "cd /etc/pgbouncer"),
        Alias("pgb-conf", .double, "cat /etc/pgbouncer/pgbouncer.ini"),
        Alias("pgb-hba", .double, "cat /etc/pgbouncer/pgb_hba.conf"),
        Alias("pgb-user", .double, "cat /etc/pgbouncer/database.txt"),
        Alias("pgb-db", .double, "cat /etc/pgbouncer/userlist.txt"),
        Alias("pgb-mt", .double, "curl -sL http://localhost:9631/metrics | grep -v '#' | grep pgbouncer_"),
    ], functions: [])

    /// The stanza is the first section of pgbackrest.conf.
    static let stanzaLookup = #"$(grep -o '\[[^][]*]' /etc/pgbackrest/pgbackrest.conf | head -n1 | sed 's/.*\[\([^]]*\)].*/\1/')"#

    static let pgbackrest = Group(title: "pgBackRest", aliases: [
        Alias("pb-mt", .double, "curl -sL localhost:9854/metrics | grep -v '#' | grep pgbackrest"),
    ], functions: [
        "# pb: pgbackrest on this node's stanza",
        "pb() (",
        "    stanza=\(stanzaLookup)",
        #"    pgbackrest --stanza="${stanza}" "$@""#,
        ")",
    ])

    /// The script: aliases and POSIX functions for every shell, bash-only functions after a guard.
    static func render(dataDir: String, node: String) -> String {
        var w = LineWriter(capacity: 8192)
        w.line("#!/bin/bash")
        Header.hash("PostgreSQL shell shortcuts", node: node, into: &w)
        w.comment("Sourced by login shells from /etc/profile; the functions below use `local` by design,")
        w.comment("and the guard's `exit` is the fallback for shells that cannot `return`.")
        w.line("# shellcheck disable=SC2155,SC2317")
        let data = Shell.word(dataDir)
        for group in [patroni, pgbouncer, pgbackrest] {
            w.blank()
            w.comment(group.title)
            for a in group.aliases { w.line(alias(a, data: data)) }
            if !group.functions.isEmpty { w.blank() }
            for line in group.functions { w.line(line) }
        }
        w.blank()
        w.comment("Only bash (not sh, dash or bash --posix) reads on from here.")
        w.line(#"if [ -z "${BASH_VERSION:-}" ]; then"#)
        w.line("  return 0 2>/dev/null || exit 0")
        w.line("fi")
        w.line(#"case ":${SHELLOPTS:-}:" in"#)
        w.line("  *:posix:*) return 0 2>/dev/null || exit 0 ;;")
        w.line("esac")
        w.blank()
        w.comment("promote or demote this instance by hand")
        w.line("function pg-promote(){")
        w.line("  rm -rf \(Shell.word(dataDir + "/standby.signal"));")
        w.line("  pg_ctl -D \(data) promote;")
        w.line("}")
        w.line("function pg-demote(){")
        w.line("  touch \(Shell.word(dataDir + "/standby.signal"));")
        w.line("  chown postgres:postgres \(Shell.word(dataDir + "/standby.signal"));")
        w.line("  psql postgres -c 'CHECKPOINT;';")
        w.line("  pg_ctl -D \(data) restart;")
        w.line("}")
        w.blank()
        w.comment("pgb-route [IP]: point every pgbouncer database at IP (the local socket by default)")
        w.line("function pgb-route(){")
        w.line(#"  local ip=${1-'\/var\/run\/postgresql'}"#)
        w.line(#"  sed -ie "s/host=[^[:space:]]\+/host=${ip}/g" /etc/pgbouncer/pgbouncer.ini"#)
        w.line("  cat /etc/pgbouncer/pgbouncer.ini")
        w.line("}")
        w.blank()
        w.comment("create this node's stanza in the repository")
        w.line("function pb-init() {")
        w.line("    local stanza=\(stanzaLookup)")
        w.line(#"    pgbackrest --stanza="${stanza}" --no-online stanza-create"#)
        w.line("}")
        w.blank()
        w.comment("follow today's PostgreSQL, Patroni, pgbouncer and pgBackRest logs")
        w.line("function pg-log() {")
        w.line(#"    local logdir=$(grep 'log_directory' "# + Shell.word(dataDir + "/postgresql.conf") + #" | awk '{print $3}' | tr -d "'")"#)
        w.line(#"    [[ -f "${logdir}/postgresql-$(date '+%Y-%m-%d').csv" ]] && tail -f "${logdir}/postgresql-$(date '+%Y-%m-%d').csv""#)
        w.line("}")
        w.line("function pt-log() {")
        w.line(#"    local logdir=$(grep -A2 'log:' /etc/patroni/patroni.yml | head -n3 | awk '/dir:/ {print $2}')"#)
        w.line(#"    [[ -f "${logdir}/patroni.log" ]] && tail -f "${logdir}/patroni.log""#)
        w.line("}")
        w.line("function pgb-log() {")
        w.line(#"    local logfile=$(grep -A2 'logfile' /etc/pgbouncer/pgbouncer.ini | awk '/logfile/ {print $3}')"#)
        w.line(#"    [[ -f ${logfile} ]] && tail -f "${logfile}""#)
        w.line("}")
        w.line("function pbr-log() {")
        w.line(#"    local logdir=$(grep 'log-path' /etc/pgbackrest/pgbackrest.conf | sed 's/log-path=//g')"#)
        w.comment("the log files are a glob on purpose", marker: "    #")
        w.line("    # shellcheck disable=SC2086")
        w.line(#"    [[ -d "${logdir}" ]] && tail -f ${logdir}/*.log"#)
        w.line("}")
        return w.text
    }

    /// `alias name='body'` or `alias name="body"`, the data directory quoted for the body's quotes.
    static func alias(_ a: Alias, data: String) -> String {
        let fragment = a.quote == .single ? Shell.insideSingleQuotes(data) : Shell.insideDoubleQuotes(data)
        let body = a.body.replacingOccurrences(of: "{data}", with: fragment)
        let q = a.quote == .single ? "'" : "\""
        return "alias \(a.name)=\(q)\(body)\(q)"
    }
}
