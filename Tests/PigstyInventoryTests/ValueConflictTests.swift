import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// Values that are not what they look like and conflicts between valid values (beyond the golden
/// cases `values`, `conflicts` and `connection`).
struct ValueConflictTests {
    private func ids(_ text: String) -> [String] { summary(check(text)) }

    private func pg(_ vars: String, host: String = "") -> String {
        inventory(children: """
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary\(host) } }
              vars: { pg_cluster: pg-meta, \(vars) }
        """)
    }

    @Test func pgVersionIsAnIntegerFrom13To19() {
        #expect(ids(pg("pg_version: abc")).contains { $0.hasPrefix("PGS0302@") })
        #expect(ids(pg("pg_version: 99")).contains { $0.hasPrefix("PGS0304@") })
        #expect(ids(pg("pg_version: 12")).contains { $0.hasPrefix("PGS0304@") })
        #expect(ids(pg("pg_version: 17.2")).contains { $0.hasPrefix("PGS0302@") })
        for v in 13...19 { #expect(ids(pg("pg_version: \(v)")).isEmpty, "pg_version \(v)") }
    }

    @Test func encodingsAndLocales() {
        for ok in ["UTF8", "UTF-8", "utf8", "SQL_ASCII", "LATIN1", "EUC_JP", "WIN1252", "KOI8R"] {
            #expect(ids(pg("pg_encoding: \(ok)")).isEmpty, "\(ok)")
        }
        for bad in ["UTF9", "abc", "'UTF8;x'"] {
            #expect(ids(pg("pg_encoding: \(bad)")).contains { $0.hasPrefix("PGS0305@") }, "\(bad)")
        }
        for ok in ["C", "POSIX", "C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8", "zh_CN", "de_DE@euro", "sr_RS.UTF-8@latin"] {
            #expect(ids(pg("pg_locale: \(ok), pg_lc_collate: \(ok), pg_lc_ctype: \(ok)")).isEmpty, "\(ok)")
        }
        for bad in ["abc1", "'en US'", "'C;drop'", "EN", "'-C'"] {
            #expect(ids(pg("pg_locale: \(bad)")).contains { $0.hasPrefix("PGS0305@") }, "\(bad)")
        }
    }

    @Test func dockerStorageDriverIsOneOfDockers() {
        #expect(ids(pg("docker_storage_driver: overlay3")).contains { $0.hasPrefix("PGS0303@") })
        #expect(ids(pg("docker_storage_driver: zfs")).isEmpty)
    }

    @Test func backupMethodNamesARepoKey() {
        // Any key of pgbackrest_repo is a method, not a fixed list.
        let custom = "pgbackrest_method: nas, pgbackrest_repo: { nas: { path: /nas/pgbackrest } }"
        #expect(ids(pg(custom)).isEmpty)
        #expect(ids(pg("pgbackrest_method: s3")) == ["PGS0410@7:55"])
        // The default method 'local' missing from a written repo: reported at the repo.
        #expect(ids(pg("pgbackrest_repo: { nas: { path: /nas } }")) == ["PGS0410@7:53"])
        #expect(ids(pg("pgbackrest_enabled: false, pgbackrest_method: s3")).isEmpty)
    }

    @Test func numbersThatWereStrings() {
        let sink = check(pg("pg_libs: 0123"))
        #expect(summary(sink) == ["PGS0302@7:45"])
        #expect(sink.diagnostics.first?.message.contains("83") == true)
        for changed in ["0x1F", "1_000", "1:20", "1.50", "+5", "0b101", "1.0e+3", ".inf"] {
            #expect(ids(pg("pg_libs: \(changed)")) == ["PGS0302@7:45"], "\(changed)")
        }
        // Decimal numbers keep their text; quoted values and `1e3` (a string in YAML 1.1) are strings.
        for same in ["12345", "0", "-7", "1.5", "'0123'", "1e3", "0o17", "1.0"] {
            #expect(ids(pg("pg_libs: \(same)")).isEmpty, "\(same)")
        }
        // A password's value is never shown.
        let secret = check(pg("patroni_password: 0123"))
        #expect(summary(secret) == ["PGS0302@7:54"])
        #expect(secret.diagnostics.allSatisfy { !$0.message.contains("0123") && !$0.message.contains("83") })
    }

    @Test func clustersSharingAVIP() {
        let text = inventory(children: """
            pg-a:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-a, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24 }
            pg-b:
              hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-b, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24 }
            pg-c:
              hosts: { 10.10.10.13: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-c, pg_vip_enabled: false, pg_vip_address: 10.10.10.3/24 }
            pg-d:
              hosts: { 10.10.10.14: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-d, pg_vip_enabled: true, pg_vip_address: 10.10.10.14/24 }
        """)
        #expect(ids(text) == ["PGS0703@10:71", "PGS0703@16:71"])
    }

    @Test func portsOfOneNode() {
        #expect(ids(pg("pg_port: 6432")) == ["PGS0790@7:45"])
        #expect(ids(pg("pg_exporter_port: 9100")) == ["PGS0790@7:54"])
        // A disabled service does not listen.
        #expect(ids(pg("pg_port: 6432, pgbouncer_enabled: false")).isEmpty)
        #expect(ids(pg("pg_exporter_port: 9100, node_exporter_enabled: false")).isEmpty)
        // Redis next to PostgreSQL.
        let redis = inventory(children: """
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta }
            redis-a:
              hosts: { 10.10.10.10: { redis_node: 1, redis_instances: { 5432: {} } } }
              vars: { redis_cluster: redis-a }
        """)
        #expect(ids(redis) == ["PGS0790@9:65"])
        // One group var shared by members is reported once.
        let shared = inventory(children: """
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary }, 10.10.10.12: { pg_seq: 2, pg_role: replica } }
              vars: { pg_cluster: pg-test, pgbouncer_port: 5432 }
        """)
        #expect(ids(shared) == ["PGS0790@7:52"])
    }

    @Test func worldTrustIsAWarning() {
        let sink = check(pg("pg_hba_rules: [ { user: all, db: all, addr: world, auth: trust } ]"))
        #expect(summary(sink) == ["PGS0517@7:93"])
        #expect(!sink.hasErrors)
        #expect(ids(pg("pg_hba_rules: [ { user: all, db: all, addr: intra, auth: trust } ]")).isEmpty)
    }

    @Test func hostileConnectionValuesAreRejected() {
        for bad in ["'$(touch x)'", "'a;b'", "'`id`'", "'a b'", "'-oProxyCommand=x'", "'a\\nb'"] {
            #expect(ids(pg("", host: ", ansible_host: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "host \(bad)")
            #expect(ids(pg("", host: ", ansible_user: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "user \(bad)")
            #expect(ids(pg("", host: ", ansible_ssh_host: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "ssh_host \(bad)")
            #expect(ids(pg("", host: ", ansible_ssh_user: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "ssh_user \(bad)")
        }
        for bad in ["0", "65536", "ssh", "'-p'", "[22]"] {
            #expect(ids(pg("", host: ", ansible_port: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "port \(bad)")
            #expect(ids(pg("", host: ", ansible_ssh_port: \(bad)")).contains { $0.hasPrefix("PGS0212@") }, "ssh_port \(bad)")
        }
        for ok in ["ansible_host: meta.pigsty", "ansible_host: 10.0.0.1", "ansible_host: 'fe80::1'",
                   "ansible_user: dba", "ansible_user: deploy.user-1", "ansible_port: 2222", "ansible_port: '2222'",
                   "ansible_ssh_port: 22", "ansible_host: '{{ \"meta\" ~ \".pigsty\" }}'", "ansible_user: ''"] {
            #expect(ids(pg("", host: ", \(ok)")).isEmpty, "\(ok)")
        }
    }
}
