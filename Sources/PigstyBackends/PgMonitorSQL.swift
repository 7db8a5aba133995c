import PigstyFormats
import PigstyModel

/// The monitoring objects of `pg-init-template.sql` that hold no inventory value: the heartbeat
/// table and its functions, the bloat estimates and activity views, the lock tree, the security
/// wrappers and the file_fdw foreign tables over the server log, pgBackRest, Patroni, processes
/// and disks. The statements are those Pigsty's template creates, so the objects (and the
/// exporters and dashboards that query them) are the same; the parts that depend on the
/// PostgreSQL version, pgbouncer or Patroni's address are put together in `PgInitSQL.template`.
enum PgMonitorSQL {
    /// The heartbeat table, its upsert and read functions, `monitor.explain`, table and index
    /// bloat estimates with their human-readable views, `pg_session` and `pg_seq_scan`.
    static let heartbeatAndViews: StaticString = #"""
DROP TABLE IF EXISTS monitor.heartbeat CASCADE;
CREATE TABLE IF NOT EXISTS monitor.heartbeat
(
    id   VARCHAR(64) PRIMARY KEY,
    ts   TIMESTAMPTZ,
    lsn  BIGINT,
    txid BIGINT
);
COMMENT ON TABLE monitor.heartbeat IS 'heartbeat table, contains one row only';
REVOKE INSERT,UPDATE,DELETE ON TABLE monitor.heartbeat FROM dbrole_readwrite;
GRANT SELECT,INSERT,UPDATE,DELETE ON TABLE monitor.heartbeat TO pg_monitor;
CREATE OR REPLACE FUNCTION monitor.upsert_heartbeat()
RETURNS monitor.heartbeat SET search_path = '' AS $$
    INSERT INTO monitor.heartbeat(id, ts, lsn, txid) VALUES (coalesce(current_setting('cluster_name', true), 'unknown'), now(), pg_current_wal_lsn() - '0/0'::PG_LSN, pg_current_xact_id()::text::BIGINT)
    ON CONFLICT(id) DO UPDATE SET ts=EXCLUDED.ts, lsn=EXCLUDED.lsn, txid=EXCLUDED.txid RETURNING *;
$$ LANGUAGE SQL VOLATILE;
COMMENT ON FUNCTION monitor.upsert_heartbeat() IS 'upsert a heartbeat record';
REVOKE ALL ON FUNCTION monitor.upsert_heartbeat() FROM PUBLIC;
REVOKE ALL ON FUNCTION monitor.upsert_heartbeat() FROM dbrole_readonly;
REVOKE ALL ON FUNCTION monitor.upsert_heartbeat() FROM dbrole_offline;
GRANT EXECUTE ON FUNCTION monitor.upsert_heartbeat() TO pg_monitor;
CREATE OR REPLACE FUNCTION monitor.beating() RETURNS TABLE (cls TEXT, ts TIMESTAMPTZ, lsn PG_LSN, lsn_int BIGINT, txid BIGINT, status TEXT) SET search_path = '' AS $$ SELECT id AS cls, ts , '0/0'::PG_LSN + lsn AS lsn, lsn AS lsn_int, txid, CASE WHEN pg_is_in_recovery() THEN 'recovery' ELSE 'leading' END AS status FROM
(SELECT (CASE WHEN pg_is_in_recovery() THEN (SELECT h FROM monitor.heartbeat h) ELSE monitor.upsert_heartbeat() END).*) d;
$$ LANGUAGE SQL VOLATILE;
COMMENT ON FUNCTION monitor.beating() IS 'refresh heartbeat on leader and return status';
REVOKE ALL ON FUNCTION monitor.beating() FROM PUBLIC;
REVOKE ALL ON FUNCTION monitor.beating() FROM dbrole_readonly;
REVOKE ALL ON FUNCTION monitor.beating() FROM dbrole_offline;
GRANT EXECUTE ON FUNCTION monitor.beating() TO pg_monitor;
CREATE OR REPLACE FUNCTION monitor.explain(query TEXT) RETURNS JSON
SET search_path = '' AS $$
DECLARE result JSON;
BEGIN
    EXECUTE format('EXPLAIN (ANALYZE, COSTS, VERBOSE, BUFFERS, FORMAT JSON) %s', query) INTO result;
    RETURN result;
END; $$ LANGUAGE plpgsql;
COMMENT ON FUNCTION monitor.explain(TEXT) IS 'return verbose explain json plan for given query text';
DROP FUNCTION IF EXISTS monitor.pg_table_bloat() CASCADE;
DROP FUNCTION IF EXISTS monitor.pg_index_bloat() CASCADE;
DROP VIEW IF EXISTS monitor.pg_table_bloat CASCADE;
DROP VIEW IF EXISTS monitor.pg_index_bloat CASCADE;
CREATE OR REPLACE FUNCTION monitor.pg_table_bloat()
RETURNS TABLE(datname TEXT, nspname TEXT, relname TEXT, tblid OID, size BIGINT, ratio FLOAT)
SET search_path = '' AS $$
WITH const AS (SELECT current_setting('block_size')::NUMERIC AS bs, 8::NUMERIC AS ma, 24::NUMERIC AS page_hdr),
rel_stat AS (
    SELECT tbl.oid AS tblid, ns.nspname, tbl.relname, tbl.reltuples, tbl.relpages AS heappages,
           COALESCE(toast.relpages, 0) AS toastpages, COALESCE(toast.reltuples, 0) AS toasttuples,
           COALESCE(substring(array_to_string(tbl.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::SMALLINT, 100) AS fillfactor,
           23 + CASE WHEN MAX(COALESCE(st.stanullfrac, 0)) > 0 THEN (7 + count(st.staattnum)) / 8 ELSE 0::INT END
              + CASE WHEN bool_or(att.attname = 'oid' AND att.attnum < 0) THEN 4 ELSE 0 END AS tpl_hdr_size,
           sum((1 - COALESCE(st.stanullfrac, 0)) * COALESCE(st.stawidth, 0)) AS tpl_data_size,
           bool_or(att.atttypid = 'pg_catalog.name'::regtype)
             OR sum(CASE WHEN att.attnum > 0 THEN 1 ELSE 0 END) <> count(st.staattnum) AS is_na
    FROM pg_class AS tbl
    JOIN pg_namespace AS ns ON ns.oid = tbl.relnamespace
    JOIN pg_attribute AS att ON att.attrelid = tbl.oid AND NOT att.attisdropped
    LEFT JOIN pg_class AS toast ON toast.oid = tbl.reltoastrelid
    LEFT JOIN pg_statistic AS st ON st.starelid = tbl.oid AND st.staattnum = att.attnum AND NOT st.stainherit
    WHERE tbl.relkind = 'r' AND ns.nspname !~ '^pg_' AND ns.nspname !~ '^_' AND ns.nspname !~ '^timescaledb' AND ns.nspname !~ '^citus' AND ns.nspname !~ '^columnar' AND ns.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'repack', 'monitor')
    GROUP BY tbl.oid, ns.nspname, tbl.relname, tbl.reltuples, tbl.relpages, toast.relpages, toast.reltuples, tbl.reloptions
),
rel_calc AS (
    SELECT r.tblid, r.nspname, r.relname, r.reltuples, r.toasttuples, r.fillfactor, r.is_na, c.bs, c.ma, c.page_hdr,
           (r.heappages + r.toastpages) AS tblpages,
           (4 + r.tpl_hdr_size + r.tpl_data_size + (2 * c.ma)
              - CASE WHEN r.tpl_hdr_size % c.ma = 0 THEN c.ma ELSE r.tpl_hdr_size % c.ma END
              - CASE WHEN ceil(r.tpl_data_size)::INT % c.ma = 0 THEN c.ma ELSE ceil(r.tpl_data_size)::INT % c.ma END) AS tpl_size
    FROM rel_stat r CROSS JOIN const c
)
SELECT CURRENT_CATALOG AS datname, nspname, relname, tblid, (bs * tblpages)::BIGINT AS size,
       CASE WHEN tblpages - (ceil(reltuples / ((bs - page_hdr) * fillfactor / (tpl_size * 100))) + ceil(toasttuples / 4.0)) > 0
            THEN (tblpages - (ceil(reltuples / ((bs - page_hdr) * fillfactor / (tpl_size * 100))) + ceil(toasttuples / 4.0))) / tblpages::FLOAT
            ELSE 0 END AS ratio
FROM rel_calc WHERE NOT is_na;
$$ LANGUAGE SQL SECURITY DEFINER;
CREATE OR REPLACE FUNCTION monitor.pg_index_bloat()
RETURNS TABLE(datname TEXT, nspname TEXT, relname TEXT, tblid OID, idxid OID, size BIGINT, ratio FLOAT)
SET search_path = '' AS $$
WITH const AS (SELECT current_setting('block_size')::INTEGER AS bs, 8::INTEGER AS ma, 24::INTEGER AS pagehdr),
idx_base AS (
    SELECT ns.nspname, ic.relname AS idxname, i.indrelid AS tblid, i.indexrelid AS idxid, ic.reltuples, ic.relpages, k.key_attnum, k.key_pos
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace ns ON ns.oid = ic.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
    JOIN LATERAL unnest(string_to_array(i.indkey::TEXT, ' ')::SMALLINT[]) WITH ORDINALITY AS k(key_attnum, key_pos) ON true
    WHERE am.amname = 'btree' AND ic.relpages > 0 AND ns.nspname !~ '^pg_' AND ns.nspname !~ '^_' AND ns.nspname !~ '^timescaledb' AND ns.nspname !~ '^citus' AND ns.nspname !~ '^columnar' AND ns.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'repack', 'monitor')
),
idx_stats AS (
    SELECT b.nspname, b.idxname, b.tblid, b.idxid, b.reltuples, b.relpages, st.stanullfrac AS null_frac, st.stawidth AS avg_width
    FROM idx_base b JOIN pg_statistic st ON st.starelid = b.tblid AND st.staattnum = b.key_attnum
    WHERE b.key_attnum > 0
    UNION ALL
    SELECT b.nspname, b.idxname, b.tblid, b.idxid, b.reltuples, b.relpages, st.stanullfrac AS null_frac, st.stawidth AS avg_width
    FROM idx_base b JOIN pg_statistic st ON st.starelid = b.idxid AND st.staattnum = b.key_pos::SMALLINT
    WHERE b.key_attnum = 0
),
est AS (
    SELECT nspname, idxname, tblid, idxid, reltuples, relpages,
           CASE WHEN max(COALESCE(null_frac, 0)) = 0 THEN 2 ELSE 6 END AS index_tuple_hdr,
           sum((1.0 - COALESCE(null_frac, 0.0)) * COALESCE(avg_width, 1024))::INTEGER AS nulldatawidth
    FROM idx_stats
    GROUP BY nspname, idxname, tblid, idxid, reltuples, relpages
)
SELECT CURRENT_CATALOG AS datname, e.nspname, e.idxname AS relname, e.tblid, e.idxid, e.relpages::BIGINT * c.bs AS size,
       COALESCE((e.relpages - (e.reltuples * (6 + c.ma - (CASE WHEN e.index_tuple_hdr % c.ma = 0 THEN c.ma ELSE e.index_tuple_hdr % c.ma END)
         + e.nulldatawidth + c.ma - (CASE WHEN e.nulldatawidth % c.ma = 0 THEN c.ma ELSE e.nulldatawidth % c.ma END))
         / (c.bs - c.pagehdr)::FLOAT + 1)), 0) / e.relpages::FLOAT AS ratio
FROM est e CROSS JOIN const c;
$$ LANGUAGE SQL SECURITY DEFINER;
CREATE OR REPLACE VIEW monitor.pg_table_bloat AS SELECT * FROM monitor.pg_table_bloat();
COMMENT ON VIEW monitor.pg_table_bloat IS 'postgres table bloat estimate';
CREATE OR REPLACE VIEW monitor.pg_index_bloat AS SELECT * FROM monitor.pg_index_bloat();
COMMENT ON VIEW monitor.pg_index_bloat IS 'postgres index bloat estimate (btree)';
GRANT EXECUTE ON FUNCTION monitor.pg_table_bloat() TO pg_monitor;
GRANT EXECUTE ON FUNCTION monitor.pg_index_bloat() TO pg_monitor;
GRANT SELECT ON monitor.pg_table_bloat TO pg_monitor;
GRANT SELECT ON monitor.pg_index_bloat TO pg_monitor;
DROP VIEW IF EXISTS monitor.pg_bloat CASCADE;
CREATE OR REPLACE VIEW monitor.pg_bloat AS
SELECT coalesce(ib.datname, tb.datname)                                                   AS datname,
       coalesce(ib.nspname, tb.nspname)                                                   AS nspname,
       coalesce(ib.tblid, tb.tblid)                                                       AS tblid,
       coalesce(tb.nspname || '.' || tb.relname, ib.nspname || '.' || ib.tblid::RegClass) AS tblname,
       tb.size                                                                            AS tbl_size,
       CASE WHEN tb.ratio < 0 THEN 0 ELSE round(tb.ratio::NUMERIC, 6) END                 AS tbl_ratio,
       (tb.size * (CASE WHEN tb.ratio < 0 THEN 0 ELSE tb.ratio::NUMERIC END)) ::BIGINT    AS tbl_wasted,
       ib.idxid,
       ib.nspname || '.' || ib.relname                                                    AS idxname,
       ib.size                                                                            AS idx_size,
       CASE WHEN ib.ratio < 0 THEN 0 ELSE round(ib.ratio::NUMERIC, 5) END                 AS idx_ratio,
       (ib.size * (CASE WHEN ib.ratio < 0 THEN 0 ELSE ib.ratio::NUMERIC END)) ::BIGINT    AS idx_wasted
FROM monitor.pg_index_bloat ib
         FULL OUTER JOIN monitor.pg_table_bloat tb ON ib.tblid = tb.tblid;
COMMENT ON VIEW monitor.pg_bloat IS 'postgres relation bloat detail';
GRANT SELECT ON monitor.pg_bloat TO pg_monitor;
DROP VIEW IF EXISTS monitor.pg_index_bloat_human CASCADE;
CREATE OR REPLACE VIEW monitor.pg_index_bloat_human AS
SELECT idxname                            AS name,
       tblname,
       idx_wasted                         AS wasted,
       pg_size_pretty(idx_size)           AS idx_size,
       round(100 * idx_ratio::NUMERIC, 2) AS idx_ratio,
       pg_size_pretty(idx_wasted)         AS idx_wasted,
       pg_size_pretty(tbl_size)           AS tbl_size,
       round(100 * tbl_ratio::NUMERIC, 2) AS tbl_ratio,
       pg_size_pretty(tbl_wasted)         AS tbl_wasted
FROM monitor.pg_bloat
WHERE idxname IS NOT NULL;
COMMENT ON VIEW monitor.pg_index_bloat_human IS 'postgres index bloat info in human-readable format';
GRANT SELECT ON monitor.pg_index_bloat_human TO pg_monitor;
DROP VIEW IF EXISTS monitor.pg_table_bloat_human CASCADE;
CREATE OR REPLACE VIEW monitor.pg_table_bloat_human AS
SELECT tblname                                          AS name,
       idx_wasted + tbl_wasted                          AS wasted,
       pg_size_pretty(idx_wasted + tbl_wasted)          AS all_wasted,
       pg_size_pretty(tbl_wasted)                       AS tbl_wasted,
       pg_size_pretty(tbl_size)                         AS tbl_size,
       tbl_ratio,
       pg_size_pretty(idx_wasted)                       AS idx_wasted,
       pg_size_pretty(idx_size)                         AS idx_size,
       round(idx_wasted::NUMERIC * 100.0 / idx_size, 2) AS idx_ratio
FROM (SELECT datname,
             nspname,
             tblname,
             coalesce(max(tbl_wasted), 0)                         AS tbl_wasted,
             coalesce(max(tbl_size), 1)                           AS tbl_size,
             round(100 * coalesce(max(tbl_ratio), 0)::NUMERIC, 2) AS tbl_ratio,
             coalesce(sum(idx_wasted), 0)                         AS idx_wasted,
             coalesce(sum(idx_size), 1)                           AS idx_size
      FROM monitor.pg_bloat
      WHERE tblname IS NOT NULL
      GROUP BY datname,nspname,tblname
     ) d;
COMMENT ON VIEW monitor.pg_table_bloat_human IS 'postgres table bloat info in human-readable format';
GRANT SELECT ON monitor.pg_table_bloat_human TO pg_monitor;
DROP VIEW IF EXISTS monitor.pg_session CASCADE;
CREATE OR REPLACE VIEW monitor.pg_session AS
SELECT coalesce(datname, 'all') AS datname, numbackends, active, idle, ixact, max_duration, max_tx_duration, max_conn_duration
FROM (
         SELECT datname,
                count(*)                                         AS numbackends,
                count(*) FILTER ( WHERE state = 'active' )       AS active,
                count(*) FILTER ( WHERE state = 'idle' )         AS idle,
                count(*) FILTER ( WHERE state = 'idle in transaction'
                    OR state = 'idle in transaction (aborted)' ) AS ixact,
                max(extract(epoch from now() - state_change))
                FILTER ( WHERE state = 'active' )                AS max_duration,
                max(extract(epoch from now() - xact_start))      AS max_tx_duration,
                max(extract(epoch from now() - backend_start))   AS max_conn_duration
         FROM pg_stat_activity
         WHERE backend_type = 'client backend'
           AND pid <> pg_backend_pid()
         GROUP BY ROLLUP (datname)
         ORDER BY 1 NULLS FIRST
     ) t;
COMMENT ON VIEW monitor.pg_session IS 'postgres activity group by session';
GRANT SELECT ON monitor.pg_session TO pg_monitor;
DROP VIEW IF EXISTS monitor.pg_seq_scan CASCADE;
CREATE OR REPLACE VIEW monitor.pg_seq_scan AS
    SELECT schemaname                                                        AS nspname,
           relname,
           seq_scan,
           seq_tup_read,
           seq_tup_read / seq_scan                                           AS seq_tup_avg,
           idx_scan,
           n_live_tup + n_dead_tup                                           AS tuples,
           round(n_live_tup * 100.0::NUMERIC / (n_live_tup + n_dead_tup), 2) AS live_ratio
    FROM pg_stat_user_tables
    WHERE seq_scan > 0
      and (n_live_tup + n_dead_tup) > 0
    ORDER BY seq_scan DESC;
COMMENT ON VIEW monitor.pg_seq_scan IS 'table that have seq scan';
GRANT SELECT ON monitor.pg_seq_scan TO pg_monitor;
"""#

    /// `monitor.pg_lock_waiting` up to the time a lock wait started.
    static let lockTreeHead: StaticString = #"""
DROP VIEW IF EXISTS monitor.pg_lock_waiting CASCADE;
CREATE VIEW monitor.pg_lock_waiting AS
  WITH RECURSIVE
    activity as (select pg_blocking_pids(pid) blocked_by, *,
                        extract(seconds FROM age(clock_timestamp(), xact_start)) as xact_wait,
                        extract(seconds FROM age(clock_timestamp(),
"""#

    /// Since PostgreSQL 14 a lock's wait start is in `pg_locks.waitstart`.
    static let lockWaitStart14 = "                        (select max(l.waitstart) from pg_locks l where a.pid = l.pid)    -- PG 14 and newer"
    static let lockWaitStart13 = "                        state_change       -- PG 13 and below"

    /// The rest of `monitor.pg_lock_waiting`: the recursive blocker tree.
    static let lockTreeTail: StaticString = #"""
                            )) as lock_wait
                 from pg_stat_activity a
                 where state is distinct from 'idle'),
    blockers as (select array_agg(distinct c order by c) as pids
                 from (select unnest(blocked_by)
                       from activity) as dt(c)),
    tree as (select activity.*,
                    1                           as level,
                    activity.pid                as top_blocker_pid,
                    array [activity.pid]        as path,
                    array [activity.pid]::int[] as all_blockers_above
             from activity, blockers
             where array [pid] <@ blockers.pids and blocked_by = '{}'::int[]
             union all
             select activity.*,
                    tree.level + 1 as level,
                    tree.top_blocker_pid,
                    path || array [activity.pid] as path,
                    tree.all_blockers_above || array_agg(activity.pid) over () as all_blockers_above
             from activity,
                  tree
             where not array [activity.pid] <@ tree.all_blockers_above
               and activity.blocked_by <> '{}'::int[]
               and activity.blocked_by <@ tree.all_blockers_above)
  SELECT pid,
       blocked_by,
       case when wait_event_type = 'Lock' then 'waiting' else state end                                      as state,
       wait_event_type,
       wait_event,
       xact_wait,
       lock_wait,
       age(backend_xid) AS xid_age,
       datname, usename, level - 1 AS level,
       (select count(distinct t1.pid) from tree t1 where array [tree.pid] <@ t1.path and t1.pid <> tree.pid) as blkd,
       format('%s %s%s', lpad('[' || pid::text || ']', 9, ' '), repeat('.', level - 1) || case when level > 1 then ' ' end, left(query, 1000) ) as query
FROM tree
WHERE datname = CURRENT_DATABASE()
ORDER BY top_blocker_pid, level, pid;
COMMENT ON VIEW monitor.pg_lock_waiting IS 'lock waiting tree';
GRANT SELECT ON monitor.pg_lock_waiting TO pg_monitor;
"""#

    /// `monitor.pg_shmem()`: shared memory allocations for `pg_monitor` (PostgreSQL 13+).
    static let shmem: StaticString = #"""
DROP FUNCTION IF EXISTS monitor.pg_shmem() CASCADE;
CREATE OR REPLACE FUNCTION monitor.pg_shmem() RETURNS SETOF pg_shmem_allocations SET search_path = '' AS
$$SELECT * FROM pg_shmem_allocations;$$ LANGUAGE SQL SECURITY DEFINER;
COMMENT ON FUNCTION monitor.pg_shmem() IS 'security wrapper for system view pg_shmem';
REVOKE ALL ON FUNCTION monitor.pg_shmem() FROM PUBLIC;
REVOKE ALL ON FUNCTION monitor.pg_shmem() FROM dbrole_readonly;
REVOKE ALL ON FUNCTION monitor.pg_shmem() FROM dbrole_offline;
GRANT EXECUTE ON FUNCTION monitor.pg_shmem() TO pg_monitor;
"""#

    /// `monitor.pgbouncer_auth()`: pgbouncer's auth query (with pgbouncer).
    static let pgbouncerAuth: StaticString = #"""
CREATE OR REPLACE FUNCTION monitor.pgbouncer_auth(p_username TEXT) RETURNS TABLE(username TEXT, password TEXT) SET search_path = '' AS
$$BEGIN
    RAISE WARNING 'PgBouncer auth request: %', p_username;
    RETURN QUERY SELECT rolname::TEXT, rolpassword::TEXT FROM pg_authid WHERE NOT rolsuper AND rolname = p_username;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER;
REVOKE ALL ON FUNCTION monitor.pgbouncer_auth(p_username TEXT) FROM PUBLIC;
REVOKE ALL ON FUNCTION monitor.pgbouncer_auth(p_username TEXT) FROM dbrole_readonly;
REVOKE ALL ON FUNCTION monitor.pgbouncer_auth(p_username TEXT) FROM dbrole_offline;
"""#

    /// The log level type and `monitor.pg_log` up to the columns every version has.
    static let logTableHead: StaticString = #"""
CREATE TYPE monitor.log_level AS ENUM (
    'LOG','INFO','NOTICE','WARNING','ERROR','FATAL','PANIC','DEBUG'
);
COMMENT ON TYPE monitor.log_level IS 'PostgreSQL Log Level';
DROP FOREIGN TABLE IF EXISTS monitor.pg_log;
CREATE FOREIGN TABLE monitor.pg_log
    (
        ts        TIMESTAMPTZ, -- ts
        username  TEXT,        -- user name
        datname   TEXT,        -- database name
        pid       INTEGER,     -- process_id
        conn      TEXT,        -- connect_from
        sid       TEXT,        -- session id
        sln       BIGINT,      -- session line number
        cmd_tag   TEXT,        -- command tag
        stime     TIMESTAMPTZ, -- session start time
        vxid      TEXT,        -- virtual transaction id
        txid      BIGINT,      -- transaction id
        level     monitor.log_level, -- log level
        code      VARCHAR(5),  -- sql state error code
        msg       TEXT,        -- message
        detail    TEXT,        -- detail
        hint      TEXT,        -- hint
        iq        TEXT,        -- internal query
        iqp       INTEGER,     -- internal query position
        context   TEXT,        -- context
        q         TEXT,        -- query
        qp        INTEGER,     -- query position
        location  TEXT,        -- location
        appname   TEXT         -- application name
"""#

    /// Columns the csv log has since PostgreSQL 13 and 14.
    static let logColumn13 = "        ,backend    TEXT      -- backend_type (PG13)"
    static let logColumns14 = ["        ,leader_pid INTEGER   -- parallel group leader pid, if this is worker",
                               "        ,query_id   BIGINT    -- query id of the current query"]

    /// The end of `monitor.pg_log`, and `monitor.pgbackrest_info` up to its program.
    static let logTableTail: StaticString = #"""
) SERVER fs OPTIONS (program $$cat $(cat /pg/data/current_logfiles | awk '{print $2}');$$, format 'csv');
COMMENT ON FOREIGN TABLE monitor.pg_log IS 'current log file foreign table';
REVOKE ALL ON monitor.pg_log FROM PUBLIC;
REVOKE ALL ON monitor.pg_log FROM dbrole_offline;
REVOKE ALL ON monitor.pg_log FROM dbrole_readonly;
REVOKE ALL ON monitor.pg_log FROM dbrole_readwrite;
REVOKE ALL ON monitor.pg_log FROM dbrole_admin;
GRANT SELECT ON monitor.pg_log TO pg_monitor;
DROP FOREIGN TABLE IF EXISTS monitor.pgbackrest_info CASCADE;
CREATE FOREIGN TABLE IF NOT EXISTS monitor.pgbackrest_info (data JSONB)
"""#

    /// `monitor.pgbackrest` over the backup information, and `monitor.patroni_info` up to its program.
    static let backrestView: StaticString = #"""
REVOKE ALL ON monitor.pgbackrest_info FROM PUBLIC;
REVOKE ALL ON monitor.pgbackrest_info FROM dbrole_offline;
REVOKE ALL ON monitor.pgbackrest_info FROM dbrole_readonly;
REVOKE ALL ON monitor.pgbackrest_info FROM dbrole_readwrite;
GRANT SELECT ON monitor.pgbackrest_info TO pg_monitor;
DROP VIEW IF EXISTS monitor.pgbackrest;
CREATE OR REPLACE VIEW monitor.pgbackrest AS
SELECT name,
       value ->> 'type'                                          AS bk_type,
       (value ->> 'error')::BOOLEAN                              AS bk_error,
       current_archive ->> 'min'                                 as wal_min,
       current_archive ->> 'max'                                 as wal_max,
       value ->> 'label'                                         AS bk_label,
       value ->> 'prior'                                         AS bk_prior,
       (value -> 'timestamp' ->> 'start')::NUMERIC               AS bk_start_ts,
       (value -> 'timestamp' ->> 'stop')::NUMERIC                AS bk_stop_ts,
       to_timestamp((value -> 'timestamp' ->> 'start')::NUMERIC) AS bk_start_at,
       to_timestamp((value -> 'timestamp' ->> 'stop')::NUMERIC)  AS bk_stop_at,
       value -> 'lsn' ->> 'start'                                AS bk_start_lsn,
       value -> 'lsn' ->> 'stop'                                 AS bk_stop_lsn,
       (value -> 'info' ->> 'size')::BIGINT                      AS bk_size,
       (value -> 'info' ->> 'delta')::BIGINT                     AS bk_delta,
       (value -> 'info' -> 'repo' ->> 'size')::BIGINT            AS bk_repo_size,
       (value -> 'info' -> 'repo' ->> 'delta')::BIGINT           AS bk_repo_delta,
       value -> 'reference'                                      AS bk_reference,
       value -> 'annotation'                                     AS bk_annotation
FROM (SELECT value ->> 'name'   AS name,
             value -> 'backup'  AS backups,
             value -> 'archive' -> (jsonb_array_length(value -> 'archive') - 1) AS current_archive
      FROM monitor.pgbackrest_info i, jsonb_array_elements(i.data)) z, jsonb_array_elements(z.backups);
REVOKE ALL ON monitor.pgbackrest FROM PUBLIC;
REVOKE ALL ON monitor.pgbackrest FROM dbrole_offline;
REVOKE ALL ON monitor.pgbackrest FROM dbrole_readonly;
REVOKE ALL ON monitor.pgbackrest FROM dbrole_readwrite;
REVOKE ALL ON monitor.pgbackrest FROM dbrole_admin;
GRANT SELECT ON monitor.pgbackrest TO pg_monitor;
DROP FOREIGN TABLE IF EXISTS monitor.patroni_info CASCADE;
CREATE FOREIGN TABLE IF NOT EXISTS monitor.patroni_info (data JSONB)
"""#

    /// Patroni's view, processes and disks.
    static let patroniAndHost: StaticString = #"""
REVOKE ALL ON monitor.patroni_info FROM PUBLIC;
REVOKE ALL ON monitor.patroni_info FROM dbrole_offline;
REVOKE ALL ON monitor.patroni_info FROM dbrole_readonly;
REVOKE ALL ON monitor.patroni_info FROM dbrole_readwrite;
GRANT SELECT ON monitor.patroni_info TO pg_monitor;
DROP FOREIGN TABLE IF EXISTS monitor.patroni_conf CASCADE;
CREATE FOREIGN TABLE IF NOT EXISTS monitor.patroni_conf (data JSONB)
    SERVER fs OPTIONS (PROGRAM $$cat patroni.dynamic.json$$ , FORMAT 'text');
REVOKE ALL ON monitor.patroni_conf FROM PUBLIC;
REVOKE ALL ON monitor.patroni_conf FROM dbrole_offline;
REVOKE ALL ON monitor.patroni_conf FROM dbrole_readonly;
REVOKE ALL ON monitor.patroni_conf FROM dbrole_readwrite;
GRANT SELECT ON monitor.patroni_conf TO pg_monitor;
DROP VIEW IF EXISTS monitor.patroni;
CREATE OR REPLACE VIEW monitor.patroni AS
SELECT value ->> 'name'                                                             AS name,
       CASE value ->> 'role' WHEN 'leader' THEN 'primary' ELSE value ->> 'role' END AS role,
       value ->> 'host'                                                             AS host,
       value ->> 'port'                                                             AS port,
       value ->> 'state'                                                            AS state,
       (value ->> 'timeline')::INTEGER                                              AS timeline,
       (value ->> 'lag')::BIGINT                                                    AS lag,
       value ->> 'api_url'                                                          AS url,
       value -> 'tags' ->> 'replicatefrom'                                          AS replicatefrom,
       coalesce((value -> 'tags' -> 'nofailover') ::BOOLEAN, false)::BOOLEAN        AS nofailover,
       coalesce((value -> 'tags' -> 'clonefrom') ::BOOLEAN, false)::BOOLEAN         AS clonefrom,
       coalesce((value -> 'tags' -> 'noloadbalance') ::BOOLEAN, false)::BOOLEAN     AS noloadbalance,
       coalesce((value -> 'tags' -> 'nosync') ::BOOLEAN, false)::BOOLEAN            AS nosync,
       value -> 'tags'                                                              AS tags
FROM monitor.patroni_info i, jsonb_array_elements(data -> 'members');
REVOKE ALL ON monitor.patroni FROM PUBLIC;
REVOKE ALL ON monitor.patroni FROM dbrole_offline;
REVOKE ALL ON monitor.patroni FROM dbrole_readonly;
REVOKE ALL ON monitor.patroni FROM dbrole_readwrite;
GRANT SELECT ON monitor.patroni TO pg_monitor;
DROP FOREIGN TABLE IF EXISTS monitor.process_status CASCADE;
CREATE FOREIGN TABLE monitor.process_status (
  username TEXT,
  pid      INTEGER,
  cpu      NUMERIC,
  mem      NUMERIC,
  vsz      BIGINT,
  rss      BIGINT,
  tty      TEXT,
  stat     TEXT,
  start    TEXT,
  uptime   TEXT,
  command  TEXT
) SERVER fs OPTIONS (PROGRAM $$
ps aux | awk '{print $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,substr($0,index($0,$11))}' OFS='\037'
$$ , FORMAT 'csv', DELIMITER E'\037', HEADER 'TRUE');
REVOKE ALL ON monitor.process_status FROM PUBLIC;
REVOKE ALL ON monitor.process_status FROM dbrole_offline;
REVOKE ALL ON monitor.process_status FROM dbrole_readonly;
REVOKE ALL ON monitor.process_status FROM dbrole_readwrite;
GRANT SELECT ON monitor.process_status TO pg_monitor;
DROP FOREIGN TABLE IF EXISTS monitor.disk_free CASCADE;
CREATE FOREIGN TABLE monitor.disk_free (
  fsname      TEXT,
  fstype      TEXT,
  total_1m    BIGINT,
  used_1m     BIGINT,
  avail_1m    BIGINT,
  percent     TEXT,
  itotal      BIGINT,
  iused       BIGINT,
  ifree       BIGINT,
  ipercent    TEXT,
  mountpoint  TEXT
) SERVER fs OPTIONS (PROGRAM $$
df -ml --output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target | tail -n +2 | awk '{print $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11}' OFS='\037'
$$,
FORMAT 'csv', DELIMITER E'\037'
);
REVOKE ALL ON monitor.disk_free FROM PUBLIC;
REVOKE ALL ON monitor.disk_free FROM dbrole_offline;
REVOKE ALL ON monitor.disk_free FROM dbrole_readonly;
REVOKE ALL ON monitor.disk_free FROM dbrole_readwrite;
GRANT SELECT ON monitor.disk_free TO pg_monitor;
"""#
}
