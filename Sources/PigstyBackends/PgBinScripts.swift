import PigstyFormats
import PigstyModel

/// pigstyc's own `/pg/bin` scripts that the generated configuration calls: `pg-role` (what this
/// instance is now), `pg-backup` (the dbsu's crontab runs it) and `pg-failover-callback`
/// (Patroni's event callback). Pigsty ships scripts of these names; these are written for
/// pigstyc, with the instance's values (port, stanza, log directory) built in and quoted.
enum PgBinScripts {
    /// `pg-role`: prints `primary` or `replica` (exit 0), `down` when PostgreSQL does not answer
    /// on its local socket (exit 1).
    static func role(port: String, node: String) -> String {
        var w = LineWriter(capacity: 768)
        w.line("#!/bin/bash")
        Header.hash("PostgreSQL role probe", node: node, into: &w)
        w.comment("usage: pg-role   prints primary, replica or down (exit 1 unless primary or replica)")
        w.line("set -uo pipefail")
        w.line("if ! recovery=$(psql -XAtqw -h /var/run/postgresql -p \(Shell.word(port)) -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null); then")
        w.line("  echo down")
        w.line("  exit 1")
        w.line("fi")
        w.line(#"case "${recovery}" in"#)
        w.line("  f) echo primary ;;")
        w.line("  t) echo replica ;;")
        w.line("  *) echo down; exit 1 ;;")
        w.line("esac")
        return w.text
    }

    /// `pg-backup [full|diff|incr]`: a pgBackRest backup of the instance's stanza, on the primary
    /// only (replicas exit 1, so every member can carry the same crontab). `pg-role` is called from
/// the script's own directory.
    static func backup(stanza: String, node: String) -> String {
        var w = LineWriter(capacity: 1536)
        w.line("#!/bin/bash")
        Header.hash("pgBackRest backup", node: node, into: &w)
        w.comment("usage: pg-backup [full|diff|incr]   (incr by default), as the database superuser")
        w.line("set -uo pipefail")
        w.line("stanza=\(Shell.word(stanza))")
        w.line("type=${1:-incr}")
        w.line(#"case "${type}" in"#)
        w.line("  full|diff|incr) ;;")
        w.line(#"  *) echo "pg-backup: backup type '${type}' is not full, diff or incr" >&2; exit 3 ;;"#)
        w.line("esac")
        w.line(#"role=$("$(dirname "${BASH_SOURCE[0]}")/pg-role")"#)
        w.line(#"if [[ "${role}" != primary ]]; then"#)
        w.line(#"  echo "pg-backup: this instance is ${role}; backups run on the primary" >&2"#)
        w.line("  exit 1")
        w.line("fi")
        w.line(#"echo "pg-backup: ${type} backup of ${stanza} started at $(date '+%F %T')""#)
        w.line(#"pgbackrest --stanza="${stanza}" --type="${type}" backup"#)
        w.line("status=$?")
        w.line(#"if [[ ${status} -eq 0 ]]; then"#)
        w.line(#"  echo "pg-backup: ${type} backup of ${stanza} done at $(date '+%F %T')""#)
        w.line("else")
        w.line(#"  echo "pg-backup: ${type} backup of ${stanza} failed (status ${status}) at $(date '+%F %T')" >&2"#)
        w.line("fi")
        w.line(#"exit "${status}""#)
        return w.text
    }

    /// `pg-failover-callback EVENT ROLE CLUSTER`: Patroni runs it on start, stop, restart, reload
    /// and role change; it logs the event and, after a role change, checkpoints so the new
    /// primary's first checkpoint is not delayed.
    static func failoverCallback(logDir: String, port: String, node: String) -> String {
        var w = LineWriter(capacity: 1536)
        w.line("#!/bin/bash")
        Header.hash("Patroni event callback", node: node, into: &w)
        w.comment("usage: pg-failover-callback EVENT ROLE CLUSTER   (Patroni's callback arguments)")
        w.line("set -uo pipefail")
        w.line(#"if [[ $# -lt 3 ]]; then"#)
        w.line(#"  echo "usage: pg-failover-callback EVENT ROLE CLUSTER" >&2"#)
        w.line("  exit 1")
        w.line("fi")
        w.line(#"event=$1 role=$2 cluster=$3"#)
        w.line("log=\(Shell.word(logDir + "/callback.log"))")
        w.line("note() {")
        w.line(#"  printf '[%s][%s] %s\n' "$(date '+%F %T')" "${HOSTNAME:-$(hostname)}" "$*" >>"${log}" 2>/dev/null || true"#)
        w.line("}")
        w.line(#"case "${role}" in"#)
        w.line("  primary|master|leader|promoted) role=primary ;;")
        w.line("  replica|standby|slave|demoted|standby_leader) role=replica ;;")
        w.line("esac")
        w.line(#"note "${event}: cluster=${cluster} role=${role}""#)
        w.line(#"if [[ "${event}" == on_role_change ]]; then"#)
        w.line("  psql -XAtqw -h /var/run/postgresql -p \(Shell.word(port)) -d postgres -c 'CHECKPOINT' >/dev/null 2>&1 || true")
        w.line(#"  note "on_role_change: checkpoint requested, now $("$(dirname "${BASH_SOURCE[0]}")/pg-role")""#)
        w.line("fi")
        w.line("exit 0")
        return w.text
    }
}
