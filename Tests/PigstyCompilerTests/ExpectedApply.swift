import Glibc
@testable import PigstyModel

/// The test oracle for the apply steps back ends declare: the path-glob table pigstyc used before
/// files declared their own step (`GeneratedFile.apply`). Back ends no longer consult it; tests
/// check that what each file declares is what this table says, so a back end that forgets or
/// changes a file's step fails.
enum ExpectedApply {
    /// How a unit name is found: fixed, or the file name without its extension (Redis instances run
    /// as `<cluster>-<node>-<port>.service`, configured by `/etc/redis/<same>.conf`).
    enum UnitName: Sendable {
        case fixed(String)
        case fileStem
    }

    struct Rule: Sendable {
        /// Producer kinds (the part of `producer` before `:`) or back-end names; empty: any producer.
        let kinds: Set<String>
        /// A glob over the file's path; `*` also matches `/`.
        let path: PathGlob
        let step: ApplyStep
        let effects: [(UnitAction, UnitName)]
        /// The unit whose first start the file waits for (written only once it runs).
        var afterStart: String? = nil
        /// The check the file gets before it is installed.
        var verifiedBy: FileCheck? = nil
    }

    private static func rule(_ kinds: [String], _ path: String, _ step: ApplyStep,
                             _ effects: (UnitAction, UnitName)...) -> Rule {
        Rule(kinds: Set(kinds), path: PathGlob(path), step: step, effects: effects)
    }

    /// A file Patroni's bootstrap must not find: written once the unit has started.
    private static func rule(after unit: String, _ kinds: [String], _ path: String, _ step: ApplyStep,
                             _ effects: (UnitAction, UnitName)...) -> Rule {
        Rule(kinds: Set(kinds), path: PathGlob(path), step: step, effects: effects, afterStart: unit)
    }

    /// A sudoers drop-in: checked by visudo before it is installed.
    private static func rule(sudoers kinds: [String], _ path: String, _ step: ApplyStep) -> Rule {
        Rule(kinds: Set(kinds), path: PathGlob(path), step: step, effects: [], verifiedBy: .sudoers)
    }

    /// First match wins. Rows with no kinds match on the path alone, so back ends that are not on
    /// this branch yet (nginx, dnsmasq, metrics, alerts, grafana) are classified by the files they write.
    static let rules: [Rule] = [
        // node baseline
        rule(["vip"], "/etc/keepalived/keepalived.conf", .node, (.reload, .fixed("keepalived"))),
        rule([], "/etc/keepalived/*", .node, (.reload, .fixed("keepalived"))),
        // HAProxy: the daemon and its own services; PostgreSQL services come after the clusters
        rule(["pg_service"], "/etc/haproxy/*", .service, (.reload, .fixed("haproxy"))),
        rule([], "/etc/haproxy/*", .haproxy, (.reload, .fixed("haproxy"))),
        // INFRA: registrations other modules write onto infra nodes
        rule([], "/etc/nginx/conf.d/haproxy/*", .register, (.reload, .fixed("nginx"))),
        rule([], "/etc/dnsmasq.d/pigsty/default", .infra),
        rule([], "/etc/dnsmasq.d/pigsty/*", .register),               // hostsdir is watched
        rule([], "/infra/targets/infra/*", .infra),                   // file_sd is watched
        rule([], "/infra/targets/*", .register),
        rule([], "/infra/datasources/*", .register),                  // loaded through Grafana's API
        // INFRA: the services themselves
        rule([], "/etc/nginx/*", .infra, (.reload, .fixed("nginx"))),
        rule([], "/etc/dnsmasq.conf", .infra, (.restart, .fixed("dnsmasq"))),
        rule([], "/etc/dnsmasq.d/*", .infra, (.restart, .fixed("dnsmasq"))),
        rule([], "/etc/systemd/system/dnsmasq.service", .infra, (.restart, .fixed("dnsmasq"))),
        rule([], "/infra/prometheus.yml", .infra, (.reload, .fixed("vmetrics"))),
        rule([], "/etc/default/vmetrics", .infra, (.restart, .fixed("vmetrics"))),
        rule([], "/etc/default/vlogs", .infra, (.restart, .fixed("vlogs"))),
        rule([], "/etc/default/vtraces", .infra, (.restart, .fixed("vtraces"))),
        rule([], "/infra/rules/*", .infra, (.reload, .fixed("vmalert"))),
        rule([], "/etc/default/vmalert", .infra, (.restart, .fixed("vmalert"))),
        rule([], "/etc/alertmanager.yml", .infra, (.reload, .fixed("alertmanager"))),
        rule([], "/etc/default/alertmanager", .infra, (.restart, .fixed("alertmanager"))),
        rule([], "/etc/blackbox.yml", .infra, (.reload, .fixed("blackbox_exporter"))),
        rule([], "/etc/default/blackbox_exporter", .infra, (.restart, .fixed("blackbox_exporter"))),
        rule([], "/etc/grafana/*", .infra, (.restart, .fixed("grafana-server"))),
        rule([], "/etc/default/nginx_exporter", .infra, (.restart, .fixed("nginx_exporter"))),
        rule(["nginx", "dnsmasq", "metrics", "alerts", "grafana"], "*", .infra),
        // systemd units: a stateless service restarts; patroni, postgres, pgbouncer and haproxy
        // only get the new definition (daemon-reload), used at their next restart
        rule(["systemd"], "/etc/systemd/system/patroni.service", .pgsql),
        rule(["systemd"], "/etc/systemd/system/postgres.service", .pgsql),
        rule(["systemd"], "/etc/systemd/system/pgbouncer.service", .pgbouncer),
        rule(["systemd"], "/etc/systemd/system/haproxy.service", .haproxy),
        rule(["systemd"], "/etc/systemd/system/pg_exporter.service", .pgsql, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/pgbackrest_exporter.service", .pgsql, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/pgbouncer_exporter.service", .pgbouncer, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/vip-manager.service", .vip, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/etcd.service", .etcd, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/silo.service", .minio, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/node_exporter.service", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/keepalived_exporter.service", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/vector.service", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/nginx_exporter.service", .infra, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/v*.service", .infra, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/alertmanager.service", .infra, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/blackbox_exporter.service", .infra, (.restart, .fileStem)),
        rule(["systemd"], "/etc/systemd/system/*.service", .redis, (.restart, .fileStem)),   // redis_exporter, instances
        rule(["systemd"], "/etc/default/node_exporter", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/keepalived_exporter", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/vector", .node, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/pg_exporter", .pgsql, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/pgbackrest_exporter", .pgsql, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/pgbouncer_exporter", .pgbouncer, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/redis_exporter", .redis, (.restart, .fileStem)),
        rule(["systemd"], "/etc/default/silo", .minio, (.restart, .fileStem)),
        rule(["systemd"], "/etc/tmpfiles.d/postgresql.conf", .pgsql),
        rule(["systemd"], "/etc/tmpfiles.d/redis.conf", .redis),
        // etcd
        rule(["etcd"], "/etc/etcd/etcd.conf", .etcd, (.restart, .fixed("etcd"))),
        rule([], "/etc/etcd/*", .etcd),
        // MinIO
        rule([], "/etc/default/minio", .minio, (.restart, .fixed("minio"))),
        // PostgreSQL: Patroni reloads PostgreSQL's configuration (pg_hba, parameters) on reload
        rule(["patroni"], "/pg/conf/*", .pgsql, (.reload, .fixed("patroni"))),
        // (initdb wants an empty data directory: both come once Patroni has started)
        rule(after: "patroni", ["pg_hba", "hba"], "/pg/data/pg_hba.conf", .pgsql, (.reload, .fixed("patroni"))),
        rule(after: "patroni", ["postgresql.auto.conf"], "/pg/data/postgresql.auto.conf", .pgsql, (.reload, .fixed("patroni"))),
        rule([], "/etc/pgbouncer/*", .pgbouncer, (.reload, .fixed("pgbouncer"))),
        rule([], "/etc/pgbouncer_exporter.yml", .pgbouncer, (.reload, .fixed("pgbouncer_exporter"))),
        // Vector: each module registers its log pipeline in its own step; Vector reloads on SIGHUP
        rule([], "/etc/vector/vector.yaml", .node, (.reload, .fixed("vector"))),
        rule([], "/etc/vector/node.yaml", .node, (.reload, .fixed("vector"))),
        rule([], "/etc/vector/nginx.yaml", .infra, (.reload, .fixed("vector"))),
        rule([], "/etc/vector/redis.yaml", .redis, (.reload, .fixed("vector"))),
        rule([], "/etc/vector/*", .pgsql, (.reload, .fixed("vector"))),
        rule([], "/etc/default/vip-manager.yml", .vip, (.restart, .fixed("vip-manager"))),
        // Redis: one unit per instance
        rule(["redis"], "/etc/redis/*.conf", .redis, (.restart, .fileStem)),
        // Files read by tools when they run (pgbackrest, psql, libpq, sudo, cron, shells): no unit
        rule(["etcdctl"], "/etc/profile.d/etcdctl.sh", .etcd),
        rule(sudoers: ["adminenv"], "/etc/sudoers.d/*", .node),
        rule(["adminenv"], "/home/*", .node),
        rule(["adminenv"], "*", .infra),
        rule(sudoers: ["pgnode"], "/etc/sudoers.d/*", .pgsql),
        rule(["pgnode"], "*", .pgsql),
        // The node role's own files: units that read them again when restarted
        rule(["nodebase"], "/etc/chrony.conf", .node, (.restart, .fixed("chronyd"))),
        rule(["nodebase"], "/etc/chrony/chrony.conf", .node, (.restart, .fixed("chrony"))),
        rule(["nodebase"], "/etc/modules-load.d/*", .node, (.restart, .fixed("systemd-modules-load"))),
        rule(["nodebase"], "/etc/sysctl.d/*", .node, (.restart, .fixed("systemd-sysctl"))),
        rule(["nodebase"], "/etc/tuned/*", .node, (.restart, .fixed("tuned"))),
        rule(["nodebase"], "*", .node),
    ]

    /// Back-end name or producer kind → step, for files no row above names.
    static let defaultSteps: [String: ApplyStep] = [
        "etcd": .etcd, "minio": .minio,
        "hba": .pgsql, "pg_hba": .pgsql, "patroni": .pgsql, "postgresql.auto.conf": .pgsql,
        "pgbouncer": .pgbouncer, "pgb_hba": .pgbouncer,
        "vip": .vip, "redis": .redis,
        "haproxy": .haproxy, "haproxy_service": .haproxy, "pg_service": .service,
        "nginx": .infra, "dnsmasq": .infra, "metrics": .infra, "alerts": .infra, "grafana": .infra,
    ]

    /// The producer's kind: `pg_hba:pg-meta-1` → `pg_hba`.
    static func kind(ofProducer producer: String) -> String {
        producer.utf8.firstIndex(of: UInt8(ascii: ":")).map { String(producer[..<$0]) } ?? producer
    }

    /// The step and unit effects of a file.
    static func classify(path: String, producer: String) -> ApplyClass {
        let kind = kind(ofProducer: producer)
        // The path first: matching it is a byte comparison, looking the kind up is hashing.
        for r in rules where r.path.matches(path) && (r.kinds.isEmpty || r.kinds.contains(kind)) {
            let effects = r.effects.map { action, name -> UnitEffect in
                switch name {
                case .fixed(let unit): return UnitEffect(action, unit)
                case .fileStem:
                    let base = path.split(separator: "/").last.map(String.init) ?? path
                    let stem = base.lastIndex(of: ".").map { String(base[..<$0]) } ?? base
                    return UnitEffect(action, stem)
                }
            }
            let c = ApplyClass(step: r.step, effects: effects.filter { UnitEffect.isUnitName($0.unit) })
            let late = r.afterStart.map { c.afterStart(of: $0) } ?? c
            return r.verifiedBy.map { late.verified(by: $0) } ?? late
        }
        if let step = defaultSteps[kind] { return ApplyClass(step: step, effects: []) }
        // Unknown producers: by where the file goes; otherwise node baseline (no unit touched).
        if path.hasPrefix("/pg/") { return ApplyClass(step: .pgsql, effects: []) }
        if path.hasPrefix("/etc/redis/") { return ApplyClass(step: .redis, effects: []) }
        if path.hasPrefix("/infra/") { return ApplyClass(step: .infra, effects: []) }
        return ApplyClass(step: .node, effects: [])
    }
}

/// A glob over paths where `*` matches any run of characters, `/` included (fnmatch without flags).
/// Patterns with at most one `*` and no other special character, the usual kind, are matched
/// byte by byte without calling fnmatch.
struct PathGlob: Sendable {
    let pattern: String
    /// The text before and after the only `*` (nil `suffix`: no `*`, the pattern is literal);
    /// nil `prefix`: not a simple pattern, fnmatch decides.
    private let prefix: [UInt8]?, suffix: [UInt8]?

    init(_ pattern: String) {
        self.pattern = pattern
        let bytes = Array(pattern.utf8)
        let stars = bytes.indices.filter { bytes[$0] == UInt8(ascii: "*") }
        if bytes.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\\") })
            || stars.count > 1 {
            (prefix, suffix) = (nil, nil)
        } else if let star = stars.first {
            (prefix, suffix) = (Array(bytes[..<star]), Array(bytes[(star + 1)...]))
        } else {
            (prefix, suffix) = (bytes, nil)
        }
    }

    func matches(_ path: String) -> Bool {
        guard let prefix else { return fnmatch(pattern, path, 0) == 0 }
        let p = path.utf8
        guard let suffix else { return p.elementsEqual(prefix) }
        return p.count >= prefix.count + suffix.count && p.starts(with: prefix) && p.reversed().starts(with: suffix.reversed())
    }
}

extension GeneratedFile {
    /// A file made by a test, with the apply step the oracle gives for its path and producer.
    init(path: String, content: String, owner: String = "root", group: String = "root", mode: Int = 0o644,
         producer: String) {
        self.init(path: path, content: content, owner: owner, group: group, mode: mode, producer: producer,
                  apply: ExpectedApply.classify(path: path, producer: producer))
    }
}
