import PigstyFormats

/// `~/.psqlrc` of the database superuser: pigstyc's own. The same psql settings as Pigsty's
/// (prompt, history, keyword case, timing, encoding, null display) and a short set of named
/// administration queries, run as `:name` (`:activity`, `:locks`, …). No inventory value.
enum PsqlrcText {
    /// (name, query) pairs, each set as a psql variable.
    static let queries: [(String, String)] = [
        ("settings", "SELECT name, setting, unit, context FROM pg_settings ORDER BY name;"),
        ("conninfo", "SELECT usename, datname, state, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2, 3 ORDER BY 4 DESC;"),
        ("activity", "SELECT pid, datname, usename, application_name, client_addr, state, now() - query_start AS running, left(query, 80) AS query FROM pg_stat_activity WHERE backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid() ORDER BY query_start;"),
        ("slowquery", "SELECT pid, usename, application_name, now() - query_start AS running, query FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND now() - query_start > interval '1 second' ORDER BY running DESC;"),
        ("locks", "SELECT blocked.pid AS blocked_pid, blocked.usename AS blocked_user, blocking.pid AS blocking_pid, blocking.usename AS blocking_user, now() - blocked.query_start AS waiting, left(blocked.query, 60) AS blocked_query, left(blocking.query, 60) AS blocking_query FROM pg_stat_activity blocked JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid) ON true JOIN pg_stat_activity blocking ON blocking.pid = b.pid ORDER BY waiting DESC;"),
        ("waits", "SELECT pid, datname, usename, wait_event_type, wait_event, pg_blocking_pids(pid) AS blocked_by, left(query, 80) AS query FROM pg_stat_activity WHERE wait_event IS NOT NULL AND backend_type = 'client backend';"),
        ("dbsize", "SELECT datname, pg_size_pretty(pg_database_size(datname)) AS size FROM pg_database ORDER BY pg_database_size(datname) DESC;"),
        ("bigtable", "SELECT n.nspname AS schema, c.relname AS name, pg_size_pretty(pg_table_size(c.oid)) AS table_size, pg_size_pretty(pg_indexes_size(c.oid)) AS index_size, pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 30;"),
        ("unusedindex", "SELECT schemaname, relname, indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) AS size FROM pg_stat_user_indexes WHERE idx_scan = 0 ORDER BY pg_relation_size(indexrelid) DESC LIMIT 30;"),
        ("replication", "SELECT application_name, client_addr, state, sync_state, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) AS replay_lag FROM pg_stat_replication;"),
        ("uptime", "SELECT now() - pg_postmaster_start_time() AS uptime;"),
        ("sp", "SHOW search_path;"),
    ]

    static func render(node: String) -> String {
        var w = LineWriter(capacity: 4096)
        // psql's comments start with `--`: the shared header line with that marker.
        w.comment("pigstyc: psql settings of the database superuser for \(node); do not edit", marker: "--")
        w.comment("run a named query with :name, e.g. :activity", marker: "--")
        w.line(#"\set QUIET ON"#)
        w.blank()
        w.comment("red user@host:port/database prompt", marker: "--")
        w.line(#"\set PROMPT1 '%[%033[0;31;31m%]%n@%`hostname`:%>/%/=%#%[%033[0m%] '"#)
        w.line(#"\set PROMPT2 '%[%033[0;31;31m%]%/%R%#%[%033[0m%] '"#)
        w.line(#"\pset pager off"#)
        w.line(#"\set HISTSIZE 2000"#)
        w.line(#"\set COMP_KEYWORD_CASE upper"#)
        w.line(#"\timing on"#)
        w.line(#"\encoding unicode"#)
        w.line(#"\pset null 'NULL'"#)
        w.blank()
        w.comment("administration queries", marker: "--")
        for (name, query) in queries {
            // psql variable values are single-quoted; a quote inside is written \'.
            w.line(#"\set "# + name + " '" + query.replacingOccurrences(of: "'", with: #"\'"#) + "'")
        }
        w.blank()
        w.line(#"\set QUIET OFF"#)
        return w.text
    }
}
