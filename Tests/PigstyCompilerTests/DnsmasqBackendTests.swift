import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// The dnsmasq back end: its configuration and the record files every module registers.
struct DnsmasqBackendTests {
    static func tree(_ text: String, checked: Bool = true) throws -> FileTree {
        try emit(text, [DnsmasqBackend()], checked: checked).tree
    }

    /// A record file without the pigstyc header line.
    static func body(_ tree: FileTree, _ name: String, on node: String = "10.10.10.10") throws -> String {
        let file = try #require(tree.file("/etc/dnsmasq.d/pigsty/\(name)", on: node), "\(name) missing on \(node)")
        #expect(file.content.hasPrefix("# pigstyc: "))
        return String(file.content.drop { $0 != "\n" }.dropFirst())
    }

    /// One pg cluster with the given cluster vars, plus an infra node.
    static func cluster(_ vars: String, hostVars: String = "") -> String {
        """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary \(hostVars) }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-test, \(vars) }
          vars:
            admin_ip: 10.10.10.10
        """
    }

    @Test func confListensOnLoopbackAndTheInfraAddress() throws {
        let text = Self.cluster("pg_vip_enabled: false").replacingOccurrences(of: "admin_ip: 10.10.10.10", with: "admin_ip: 10.10.10.10\n    dns_port: 5353")
        let t = try Self.tree(text)
        let conf = try #require(t.file("/etc/dnsmasq.conf", on: "10.10.10.10")).content
        #expect(conf.contains("\nlisten-address=127.0.0.1,10.10.10.10\n"))
        #expect(conf.contains("\nport=5353\n"))
        #expect(conf.contains("\nhostsdir=/etc/dnsmasq.d/pigsty\n"))
        for line in ["no-hosts", "bogus-priv", "bind-dynamic", "user=dnsmasq", "group=dnsmasq"] {
            #expect(conf.contains("\n\(line)\n"), "\(line)")
        }
        // Only infra nodes get dnsmasq.
        #expect(t.file("/etc/dnsmasq.conf", on: "10.10.10.11") == nil)
        #expect(t.file("/etc/dnsmasq.d/pigsty/pg-test-1", on: "10.10.10.11") == nil)
    }

    @Test func defaultRecordsReplaceAdminIP() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 }, 10.10.10.2: { infra_seq: 2 } } }
          vars:
            admin_ip: 10.10.10.10
            dns_records: [ "${admin_ip} i.pigsty", "10.10.10.3 s3.pigsty ${admin_ip}x" ]
        """
        let t = try Self.tree(text)
        for node in ["10.10.10.10", "10.10.10.2"] {
            #expect(try Self.body(t, "default", on: node) == "10.10.10.10 i.pigsty\n10.10.10.3 s3.pigsty 10.10.10.10x\n")
        }
    }

    @Test func instanceRecordsHaveNoTrailingNewline() throws {
        let t = try Self.tree(Self.cluster("pg_vip_enabled: false"))
        #expect(try Self.body(t, "pg-test-1") == "10.10.10.11 pg-test-1")
        #expect(try Self.body(t, "pg-test-2") == "10.10.10.12 pg-test-2")
    }

    @Test func autoTargetIsTheVIPWhenEnabledElseThePrimary() throws {
        let vip = try Self.tree(Self.cluster("pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24"))
        #expect(try Self.body(vip, "pg-test") == "# [VIP] pg-test -> 10.10.10.3\n10.10.10.3 pg-test\n")
        let plain = try Self.tree(Self.cluster("pg_vip_enabled: false"))
        #expect(try Self.body(plain, "pg-test") == "# [PRIMARY] pg-test -> 10.10.10.11\n10.10.10.11 pg-test\n")
    }

    @Test func primaryVipNoneAndLiteralTargetsWithSuffix() throws {
        let primary = try Self.tree(Self.cluster("pg_dns_target: primary, pg_dns_suffix: .db, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24"))
        #expect(try Self.body(primary, "pg-test") == "# [PRIMARY] pg-test.db -> 10.10.10.11\n10.10.10.11 pg-test.db\n")
        let vip = try Self.tree(Self.cluster("pg_dns_target: vip, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24"))
        #expect(try Self.body(vip, "pg-test") == "# [VIP] pg-test -> 10.10.10.3\n10.10.10.3 pg-test\n")
        // `vip` without a VIP and `none` leave the cluster file empty (Pigsty still writes it).
        let noVip = try Self.tree(Self.cluster("pg_dns_target: vip"))
        #expect(try Self.body(noVip, "pg-test") == "")
        let none = try Self.tree(Self.cluster("pg_dns_target: none"))
        #expect(try Self.body(none, "pg-test") == "")
        let literal = try Self.tree(Self.cluster("pg_dns_target: 10.10.10.99"))
        #expect(try Self.body(literal, "pg-test") == "# [ADHOC] pg-test -> 10.10.10.99\n10.10.10.99 pg-test\n")
        // With a prefix length only the address reaches the record (dnsmasq refuses `a.b.c.d/n`).
        let cidr = try Self.tree(Self.cluster("pg_dns_target: 10.10.10.99/32"))
        #expect(try Self.body(cidr, "pg-test") == "# [ADHOC] pg-test -> 10.10.10.99\n10.10.10.99 pg-test\n")
    }

    @Test func dnsEnabledOfThePgHostDecides() throws {
        let off = try Self.tree(Self.cluster("dns_enabled: false"))
        #expect(off.file("/etc/dnsmasq.d/pigsty/pg-test-1", on: "10.10.10.10") == nil)
        #expect(off.file("/etc/dnsmasq.d/pigsty/pg-test", on: "10.10.10.10") == nil)
        // The infra node's files do not depend on dns_enabled (only the service does).
        #expect(off.file("/etc/dnsmasq.conf", on: "10.10.10.10") != nil)
        #expect(off.file("/etc/dnsmasq.d/pigsty/default", on: "10.10.10.10") != nil)
        // One member registers, the other does not.
        let one = try Self.tree(Self.cluster("pg_vip_enabled: false", hostVars: ", dns_enabled: false"))
        #expect(one.file("/etc/dnsmasq.d/pigsty/pg-test-1", on: "10.10.10.10") == nil)
        #expect(try Self.body(one, "pg-test-2") == "10.10.10.12 pg-test-2")
        #expect(try Self.body(one, "pg-test") == "# [PRIMARY] pg-test -> 10.10.10.11\n10.10.10.11 pg-test\n")
    }

    @Test func nodeVipAndMinioRecords() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            minio:
              hosts:
                10.10.10.11: { minio_seq: 1, vip_role: master }
                10.10.10.12: { minio_seq: 2 }
              vars:
                minio_cluster: minio
                node_cluster: s3
                vip_enabled: true
                vip_vrid: 9
                vip_address: 10.10.10.9
                vip_dns_suffix: .vip.pigsty
                minio_node: '${minio_cluster}-${minio_seq}.store'
          vars:
            admin_ip: 10.10.10.10
        """
        let t = try Self.tree(text)
        #expect(try Self.body(t, "s3.vip") == "10.10.10.9 s3.vip.pigsty")
        #expect(try Self.body(t, "minio-1") == "10.10.10.11 minio-1.store\n10.10.10.11 minio-1\n")
        #expect(try Self.body(t, "minio-2") == "10.10.10.12 minio-2.store\n10.10.10.12 minio-2\n")
        // Without vip_enabled no VIP record.
        let off = try Self.tree(text.replacingOccurrences(of: "vip_enabled: true", with: "vip_enabled: false"))
        #expect(off.file("/etc/dnsmasq.d/pigsty/s3.vip", on: "10.10.10.10") == nil)
    }

    @Test func noInfraGroupNoFiles() throws {
        let text = """
        all:
          children:
            pg-test: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-test } }
          vars: { admin_ip: 10.10.10.10 }
        """
        #expect(try emit(text, [DnsmasqBackend()], checked: false).tree.fileCount == 0)
    }
}
