/// The collectors of pgbouncer's admin console that the pgbouncer exporter (pg_exporter pointed
/// at pgbouncer's `pgbouncer` database) runs, as Pigsty's collector file defines them: one
/// collector per console command and pgbouncer version range (the exporter picks the one whose
/// `min_version` ≤ version < `max_version`), each column a label, a gauge, a counter or
/// discarded.
enum PgbouncerCollectors {
    enum Usage: String { case label = "LABEL", gauge = "GAUGE", counter = "COUNTER", discard = "DISCARD" }

    /// How long a collector's result is cached: a fixed number of seconds, or the "normal"
    /// stage of `pg_exporter_cache_ttls`.
    enum TTL { case fixed(Int), normal }

    struct Column {
        let name: String
        let usage: Usage
        let rename: String?
        let scale: String?
        let description: String?

        init(_ name: String, _ usage: Usage, rename: String? = nil, scale: String? = nil, _ description: String? = nil) {
            self.name = name
            self.usage = usage
            self.rename = rename
            self.scale = scale
            self.description = description
        }
    }

    struct Collector {
        /// The collector's key in the file (`<name>_<version>`).
        let key: String
        /// The metric name prefix.
        let name: String
        let desc: String
        let query: String
        let ttl: TTL
        let minVersion: Int
        let maxVersion: Int?
        /// Whether a failure of this collector fails the whole scrape.
        let fatal: Bool
        let columns: [Column]
    }

    static let all: [Collector] = [
        Collector(key: "pgbouncer_list", name: "pgbouncer_list", desc: "Pgbouncer entry list", query: "SHOW LISTS;", ttl: .fixed(10),
                  minVersion: 10800, maxVersion: nil, fatal: true, columns: [
                      Column("list", .label, "Pgbouncer internal list name"),
                      Column("items", .gauge, "Number of corresponding pgbouncer object"),
                  ]),
        Collector(key: "pgbouncer_database_124", name: "pgbouncer_database", desc: "Pgbouncer database stats (since 1.24)", query: "SHOW DATABASES;", ttl: .normal,
                  minVersion: 12400, maxVersion: nil, fatal: false, columns: [
                      Column("name", .label, rename: "datname", "Name of configured database entry"),
                      Column("host", .label, "Host that pgbouncer will connects to"),
                      Column("port", .label, "Port that pgbouncer will connects to"),
                      Column("database", .label, rename: "real_datname", "The real database name pgbouncer connects to"),
                      Column("force_user", .discard),
                      Column("pool_size", .gauge, "Maximum number of server connections"),
                      Column("min_pool_size", .gauge, "Minimum number of server connections"),
                      Column("reserve_pool_size", .gauge, rename: "reserve_pool", "Maximum number of additional connections for this database"),
                      Column("server_lifetime", .gauge, "The maximum lifetime of a server connection for this database"),
                      Column("pool_mode", .discard),
                      Column("load_balance_hosts", .discard),
                      Column("max_connections", .gauge, "Maximum number of allowed connections for this database"),
                      Column("current_connections", .gauge, "Current number of connections for this database"),
                      Column("max_client_connections", .gauge, "Maximum number of allowed client connections for this pgbouncer instance"),
                      Column("current_client_connections", .gauge, "Current number of client connections for this database"),
                      Column("paused", .gauge, "True(1) if this database is currently paused, else 0"),
                      Column("disabled", .gauge, "True(1) if this database is currently disabled, else 0"),
                  ]),
        Collector(key: "pgbouncer_database_123", name: "pgbouncer_database", desc: "Pgbouncer database stats 1.23", query: "SHOW DATABASES;", ttl: .normal,
                  minVersion: 12300, maxVersion: 12400, fatal: false, columns: [
                      Column("name", .label, rename: "datname", "Name of configured database entry"),
                      Column("host", .label, "Host that pgbouncer will connects to"),
                      Column("port", .label, "Port that pgbouncer will connects to"),
                      Column("database", .label, rename: "real_datname", "The real database name pgbouncer connects to"),
                      Column("force_user", .discard),
                      Column("pool_size", .gauge, "Maximum number of server connections"),
                      Column("min_pool_size", .gauge, "Minimum number of server connections"),
                      Column("reserve_pool", .gauge, "Maximum number of additional connections for this database"),
                      Column("server_lifetime", .gauge, "The maximum lifetime of a server connection for this database"),
                      Column("pool_mode", .discard),
                      Column("max_connections", .gauge, "Maximum number of allowed connections for this database"),
                      Column("current_connections", .gauge, "Current number of connections for this database"),
                      Column("paused", .gauge, "True(1) if this database is currently paused, else 0"),
                      Column("disabled", .gauge, "True(1) if this database is currently disabled, else 0"),
                  ]),
        Collector(key: "pgbouncer_database_116", name: "pgbouncer_database", desc: "Pgbouncer database stats (1.16-1.22)", query: "SHOW DATABASES;", ttl: .normal,
                  minVersion: 11600, maxVersion: 12300, fatal: false, columns: [
                      Column("name", .label, rename: "datname", "Name of configured database entry"),
                      Column("host", .label, "Host that pgbouncer will connects to"),
                      Column("port", .label, "Port that pgbouncer will connects to"),
                      Column("database", .label, rename: "real_datname", "The real database name pgbouncer connects to"),
                      Column("force_user", .discard),
                      Column("pool_size", .gauge, "Maximum number of server connections"),
                      Column("min_pool_size", .gauge, "Minimum number of server connections"),
                      Column("reserve_pool", .gauge, "Maximum number of additional connections for this database"),
                      Column("pool_mode", .discard),
                      Column("max_connections", .gauge, "Maximum number of allowed connections for this database"),
                      Column("current_connections", .gauge, "Current number of connections for this database"),
                      Column("paused", .gauge, "True(1) if this database is currently paused, else 0"),
                      Column("disabled", .gauge, "True(1) if this database is currently disabled, else 0"),
                  ]),
        Collector(key: "pgbouncer_database_108", name: "pgbouncer_database", desc: "Pgbouncer database stats (1.08-1.15)", query: "SHOW DATABASES;", ttl: .normal,
                  minVersion: 10800, maxVersion: 11600, fatal: false, columns: [
                      Column("name", .label, rename: "datname", "Name of configured database entry"),
                      Column("host", .label, "Host that pgbouncer will connects to"),
                      Column("port", .label, "Port that pgbouncer will connects to"),
                      Column("database", .label, rename: "real_datname", "The real database name pgbouncer connects to"),
                      Column("force_user", .discard),
                      Column("pool_size", .gauge, "Maximum number of server connections"),
                      Column("reserve_pool", .gauge, "Maximum number of additional connections for this database"),
                      Column("pool_mode", .discard),
                      Column("max_connections", .gauge, "Maximum number of allowed connections for this database"),
                      Column("current_connections", .gauge, "Current number of connections for this database"),
                      Column("paused", .gauge, "True(1) if this database is currently paused, else 0"),
                      Column("disabled", .gauge, "True(1) if this database is currently disabled, else 0"),
                  ]),
        Collector(key: "pgbouncer_stat_124", name: "pgbouncer_stat", desc: "Pgbouncer stats per database (since 1.24)", query: "SHOW STATS;", ttl: .normal,
                  minVersion: 12400, maxVersion: nil, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Name of database"),
                      Column("total_xact_count", .counter, "Total number of SQL transactions pooled by pgbouncer"),
                      Column("total_query_count", .counter, "Total number of SQL queries pooled by pgbouncer"),
                      Column("total_server_assignment_count", .counter, "Total times a server was assigned to a client"),
                      Column("total_received", .counter, "Total volume in bytes of network traffic received by pgbouncer"),
                      Column("total_sent", .counter, "Total volume in bytes of network traffic sent by pgbouncer"),
                      Column("total_xact_time", .counter, scale: "1e-6", "Total number of seconds spent when in a transaction"),
                      Column("total_query_time", .counter, scale: "1e-6", "Total number of seconds spent when executing queries"),
                      Column("total_wait_time", .counter, scale: "1e-6", "Time spent by clients waiting for a server, in seconds"),
                      Column("total_client_parse_count", .counter, "Total number of prepared statements created by clients"),
                      Column("total_server_parse_count", .counter, "Total number of prepared statements created on a server."),
                      Column("total_bind_count", .counter, "Total number of prepared statements readied for execution by clients and forwarded to postgres"),
                      Column("avg_xact_count", .gauge, "Average transactions per second in last stat period"),
                      Column("avg_query_count", .gauge, "Average queries per second in last stat period"),
                      Column("avg_server_assignment_count", .gauge, "Average number of times a server as assigned to a client per second in the last stat period."),
                      Column("avg_recv", .gauge, "Average received (from clients) bytes per second"),
                      Column("avg_sent", .gauge, "Average sent (to clients) bytes per second"),
                      Column("avg_xact_time", .gauge, scale: "1e-6", "Average transaction duration, in seconds"),
                      Column("avg_query_time", .gauge, scale: "1e-6", "Average query duration, in seconds"),
                      Column("avg_wait_time", .gauge, scale: "1e-6", "Time spent by clients waiting for a server, in seconds (average per second)."),
                      Column("avg_client_parse_count", .gauge, "Average number of prepared statements created by clients"),
                      Column("avg_server_parse_count", .gauge, "Average number of prepared statements created on a server."),
                      Column("avg_bind_count", .gauge, "Average number of prepared statements readied for execution by clients and forwarded to postgres"),
                  ]),
        Collector(key: "pgbouncer_stat_123", name: "pgbouncer_stat", desc: "Pgbouncer stats per database (1.23)", query: "SHOW STATS;", ttl: .normal,
                  minVersion: 12300, maxVersion: 12400, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Name of database"),
                      Column("total_xact_count", .counter, "Total number of SQL transactions pooled by pgbouncer"),
                      Column("total_query_count", .counter, "Total number of SQL queries pooled by pgbouncer"),
                      Column("total_server_assignment_count", .counter, "Total times a server was assigned to a client"),
                      Column("total_received", .counter, "Total volume in bytes of network traffic received by pgbouncer"),
                      Column("total_sent", .counter, "Total volume in bytes of network traffic sent by pgbouncer"),
                      Column("total_xact_time", .counter, scale: "1e-6", "Total number of seconds spent when in a transaction"),
                      Column("total_query_time", .counter, scale: "1e-6", "Total number of seconds spent when executing queries"),
                      Column("total_wait_time", .counter, scale: "1e-6", "Time spent by clients waiting for a server, in seconds"),
                      Column("avg_xact_count", .gauge, "Average transactions per second in last stat period"),
                      Column("avg_query_count", .gauge, "Average queries per second in last stat period"),
                      Column("avg_server_assignment_count", .gauge, "Average number of times a server as assigned to a client per second in the last stat period."),
                      Column("avg_recv", .gauge, "Average received (from clients) bytes per second"),
                      Column("avg_sent", .gauge, "Average sent (to clients) bytes per second"),
                      Column("avg_xact_time", .gauge, scale: "1e-6", "Average transaction duration, in seconds"),
                      Column("avg_query_time", .gauge, scale: "1e-6", "Average query duration, in seconds"),
                      Column("avg_wait_time", .gauge, scale: "1e-6", "Time spent by clients waiting for a server, in seconds (average per second)."),
                  ]),
        Collector(key: "pgbouncer_stat_108", name: "pgbouncer_stat", desc: "Pgbouncer stats per database (1.08 - 1.22)", query: "SHOW STATS;", ttl: .normal,
                  minVersion: 10800, maxVersion: 12300, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Name of database"),
                      Column("total_xact_count", .counter, "Total number of SQL transactions pooled by pgbouncer"),
                      Column("total_query_count", .counter, "Total number of SQL queries pooled by pgbouncer"),
                      Column("total_received", .counter, "Total volume in bytes of network traffic received by pgbouncer"),
                      Column("total_sent", .counter, "Total volume in bytes of network traffic sent by pgbouncer"),
                      Column("total_xact_time", .counter, scale: "1e-6", "Total number of seconds spent when in a transaction"),
                      Column("total_query_time", .counter, scale: "1e-6", "Total number of seconds spent when executing queries"),
                      Column("total_wait_time", .counter, scale: "1e-6", "Time spent by clients waiting for a server, in seconds"),
                      Column("avg_xact_count", .gauge, "Average transactions per second in last stat period"),
                      Column("avg_query_count", .gauge, "Average queries per second in last stat period"),
                      Column("avg_recv", .gauge, "Average received (from clients) bytes per second"),
                      Column("avg_sent", .gauge, "Average sent (to clients) bytes per second"),
                      Column("avg_xact_time", .gauge, scale: "1e-6", "Average transaction duration, in seconds"),
                      Column("avg_query_time", .gauge, scale: "1e-6", "Average query duration, in seconds"),
                      Column("avg_wait_time", .gauge, scale: "1e-6", "Time spent by clients waiting for a server, in seconds (average per second)."),
                  ]),
        Collector(key: "pgbouncer_pool_124", name: "pgbouncer_pool", desc: "Pgbouncer pool stats (1.24+)", query: "SHOW POOLS;", ttl: .normal,
                  minVersion: 12400, maxVersion: nil, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Database name of this pool"),
                      Column("user", .label, "User name of this pool"),
                      Column("cl_active", .gauge, rename: "active_clients", "Client connections that are linked to server connection and can process queries"),
                      Column("cl_waiting", .gauge, rename: "waiting_clients", "Client connections that have sent queries but have not yet got a server connection"),
                      Column("cl_active_cancel_req", .gauge, rename: "active_cancel_clients", "Client connections that have forwarded query cancellations to the server and are waiting for the server response."),
                      Column("cl_waiting_cancel_req", .gauge, rename: "cancel_clients", "Client connections that have not forwarded query cancellations to the server yet."),
                      Column("sv_active", .gauge, rename: "active_servers", "Server connections that are linked to a client"),
                      Column("sv_active_cancel", .gauge, rename: "active_cancel_servers", "Server connections that are currently forwarding a cancel request"),
                      Column("sv_being_canceled", .gauge, rename: "cancel_servers", "cancel requests have completed that were sent to cancel a query on this server"),
                      Column("sv_idle", .gauge, rename: "idle_servers", "Server connections that are unused and immediately usable for client queries"),
                      Column("sv_used", .gauge, rename: "used_servers", "Server connections that have been idle for more than server_check_delay (means have to run check query)"),
                      Column("sv_tested", .gauge, rename: "tested_servers", "Server connections that are currently running reset or check query"),
                      Column("sv_login", .gauge, rename: "login_servers", "Server connections currently in the process of logging in"),
                      Column("maxwait", .gauge, "How long the first(oldest) client in the queue has waited, in seconds, key metric"),
                      Column("maxwait_us", .gauge, "Microsecond part of the maximum waiting time."),
                      Column("pool_mode", .label, "Pooling mode in use"),
                      Column("load_balance_hosts", .label, "The load_balance_hosts in use"),
                  ]),
        Collector(key: "pgbouncer_pool_118", name: "pgbouncer_pool", desc: "Pgbouncer pool stats (1.18-1.23)", query: "SHOW POOLS;", ttl: .normal,
                  minVersion: 11800, maxVersion: 12400, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Database name of this pool"),
                      Column("user", .label, "User name of this pool"),
                      Column("cl_active", .gauge, rename: "active_clients", "Client connections that are linked to server connection and can process queries"),
                      Column("cl_waiting", .gauge, rename: "waiting_clients", "Client connections that have sent queries but have not yet got a server connection"),
                      Column("cl_active_cancel_req", .gauge, rename: "active_cancel_clients", "Client connections that have forwarded query cancellations to the server and are waiting for the server response."),
                      Column("cl_waiting_cancel_req", .gauge, rename: "cancel_clients", "Client connections that have not forwarded query cancellations to the server yet."),
                      Column("sv_active", .gauge, rename: "active_servers", "Server connections that are linked to a client"),
                      Column("sv_active_cancel", .gauge, rename: "active_cancel_servers", "Server connections that are currently forwarding a cancel request"),
                      Column("sv_being_canceled", .gauge, rename: "cancel_servers", "cancel requests have completed that were sent to cancel a query on this server"),
                      Column("sv_idle", .gauge, rename: "idle_servers", "Server connections that are unused and immediately usable for client queries"),
                      Column("sv_used", .gauge, rename: "used_servers", "Server connections that have been idle for more than server_check_delay (means have to run check query)"),
                      Column("sv_tested", .gauge, rename: "tested_servers", "Server connections that are currently running reset or check query"),
                      Column("sv_login", .gauge, rename: "login_servers", "Server connections currently in the process of logging in"),
                      Column("maxwait", .gauge, "How long the first(oldest) client in the queue has waited, in seconds, key metric"),
                      Column("maxwait_us", .gauge, "Microsecond part of the maximum waiting time."),
                      Column("pool_mode", .label, "Pooling mode in use"),
                  ]),
        Collector(key: "pgbouncer_pool_116", name: "pgbouncer_pool", desc: "Pgbouncer pool stats (1.16-1.17)", query: "SHOW POOLS;", ttl: .normal,
                  minVersion: 11600, maxVersion: 11800, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Database name of this pool"),
                      Column("user", .label, "User name of this pool"),
                      Column("cl_active", .gauge, rename: "active_clients", "Client connections that are linked to server connection and can process queries"),
                      Column("cl_waiting", .gauge, rename: "waiting_clients", "Client connections that have sent queries but have not yet got a server connection"),
                      Column("cl_cancel_req", .gauge, rename: "cancel_clients", "Client connections that have not forwarded query cancellations to the server yet."),
                      Column("sv_active", .gauge, rename: "active_servers", "Server connections that are linked to a client"),
                      Column("sv_idle", .gauge, rename: "idle_servers", "Server connections that are unused and immediately usable for client queries"),
                      Column("sv_used", .gauge, rename: "used_servers", "Server connections that have been idle for more than server_check_delay (means have to run check query)"),
                      Column("sv_tested", .gauge, rename: "tested_servers", "Server connections that are currently running reset or check query"),
                      Column("sv_login", .gauge, rename: "login_servers", "Server connections currently in the process of logging in"),
                      Column("maxwait", .gauge, "How long the first(oldest) client in the queue has waited, in seconds, key metric"),
                      Column("maxwait_us", .gauge, "Microsecond part of the maximum waiting time."),
                      Column("pool_mode", .label, "Pooling mode in use"),
                  ]),
        Collector(key: "pgbouncer_pool_108", name: "pgbouncer_pool", desc: "Pgbouncer pool stats (1.08-1.15)", query: "SHOW POOLS;", ttl: .normal,
                  minVersion: 10800, maxVersion: 11600, fatal: false, columns: [
                      Column("database", .label, rename: "datname", "Database name of this pool"),
                      Column("user", .label, "User name of this pool"),
                      Column("cl_active", .gauge, rename: "active_clients", "Client connections that are linked to server connection and can process queries"),
                      Column("cl_waiting", .gauge, rename: "waiting_clients", "Client connections that have sent queries but have not yet got a server connection"),
                      Column("sv_active", .gauge, rename: "active_servers", "Server connections that are linked to a client"),
                      Column("sv_idle", .gauge, rename: "idle_servers", "Server connections that are unused and immediately usable for client queries"),
                      Column("sv_used", .gauge, rename: "used_servers", "Server connections that have been idle for more than server_check_delay (means have to run check query)"),
                      Column("sv_tested", .gauge, rename: "tested_servers", "Server connections that are currently running reset or check query"),
                      Column("sv_login", .gauge, rename: "login_servers", "Server connections currently in the process of logging in"),
                      Column("maxwait", .gauge, "How long the first(oldest) client in the queue has waited, in seconds, key metric"),
                      Column("maxwait_us", .gauge, "Microsecond part of the maximum waiting time."),
                      Column("pool_mode", .label, "Pooling mode in use"),
                  ]),
    ]
}
