import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The admin environment (AdminEnvBackend): infra tools, node admin account, etcdctl profiles.
struct AdminEnvBackendTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1, pg_cluster: pg-meta, pg_seq: 1, pg_role: primary }
            10.10.10.2: { infra_seq: 2, ansible_user: vagrant }
        etcd:
          hosts:
            10.10.10.10: { etcd_seq: 1 }
            10.10.10.12: { etcd_seq: 2 }
          vars: { etcd_cluster: etcd }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars:
            pg_cluster: pg-meta
            pg_databases: [ { name: meta }, { name: app } ]
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_port: 5433 }
          vars:
            pg_cluster: pg-test
            dns_enabled: false
            pg_vip_enabled: true
            pg_vip_address: 10.10.10.3/24
            pg_admin_username: admin2
      vars:
        admin_ip: 10.10.10.10
        pg_admin_password: 'Pass:wo\\\\rd'
        grafana_admin_password: 'pig sty'
        patroni_ssl_enabled: true
    """

    static func tree(_ text: String = inventory, checked: Bool = true) throws -> FileTree {
        try emit(text, [AdminEnvBackend()], checked: checked).tree
    }

    static func content(_ t: FileTree, _ path: String, on node: String) throws -> String {
        try #require(t.file(path, on: node), "\(path) missing on \(node)").content
    }

    static func lines(_ t: FileTree, _ path: String, on node: String) throws -> [String] {
        try content(t, path, on: node).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    @Test func pgServiceListsClustersDatabasesAndInstances() throws {
        let t = try Self.tree()
        let l = try Self.lines(t, "/root/.pg_service.conf", on: "10.10.10.10")
        let sections = l.filter { $0.hasPrefix("[") }
        // Hosts in inventory order (10.10.10.12 first appears in group etcd), as `hostvars` iterates.
        #expect(sections == ["[meta]", "[pg-meta]", "[pg-meta.meta]", "[pg-meta.app]", "[pg-meta-1]", "[pg-test-2]", "[pg-test]", "[pg-test-1]"])
        // pg-test: no DNS, so the VIP's address; its own admin user; the replica's own port.
        let test = Array(l.drop { $0 != "[pg-test]" }.prefix(6))
        #expect(test == ["[pg-test]", "host=10.10.10.3", "port=5432", "user=admin2", #"password=Pass:wo\\rd"#, "dbname=postgres"])
        #expect(Array(l.drop { $0 != "[pg-test-2]" }.prefix(3)) == ["[pg-test-2]", "host=10.10.10.12", "port=5433"])
        let f = try #require(t.file("/root/.pg_service.conf", on: "10.10.10.10"))
        #expect(f.mode == 0o600 && f.secrets == [#"Pass:wo\\rd"#])
        // The second infra node is no PostgreSQL instance: Pigsty's template then lists the CMDB only;
        // its files go to the connecting user's home.
        let other = try Self.lines(t, "/home/vagrant/.pg_service.conf", on: "10.10.10.2")
        #expect(other.filter { $0.hasPrefix("[") } == ["[meta]"])
        #expect(t.file("/home/vagrant/.pg_service.conf", on: "10.10.10.2")?.owner == "vagrant")
    }

    @Test func passwordFilesEscapeColonsAndBackslashes() throws {
        let t = try Self.tree()
        let pgpass = try #require(t.file("/root/.pgpass", on: "10.10.10.10"))
        #expect(pgpass.placement == .managedBlock && pgpass.mode == 0o600)
        #expect(Self.lines(pgpass.content) == ["*:*:*:replicator:DBUser.Replicator", "*:*:*:dbuser_monitor:DBUser.Monitor",
                                              #"*:*:*:dbuser_dba:Pass\:wo\\\\rd"#])
        #expect(try Self.lines(t, "/infra/pgadmin/pgpass", on: "10.10.10.10") == [#"*:*:*:dbuser_dba:Pass\:wo\\\\rd"#])
        #expect(t.file("/infra/pgadmin/pgpass", on: "10.10.10.10")?.secrets == [#"Pass:wo\\rd"#])
    }

    static func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") } }

    @Test func pgadminServersAreValidJSONInInventoryOrder() throws {
        let t = try Self.tree()
        let data = Data(try Self.content(t, "/infra/pgadmin/servers.json", on: "10.10.10.2").utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: Any]]])
        let servers = try #require(json["Servers"])
        #expect(servers.keys.sorted() == ["1", "2", "3"])
        #expect(servers["1"]?["Name"] as? String == "pg-meta-1")
        #expect(servers["2"]?["Name"] as? String == "pg-test-2" && servers["3"]?["Name"] as? String == "pg-test-1")
        #expect(servers["2"]?["Port"] as? Int == 5433 && servers["2"]?["Username"] as? String == "admin2")
        #expect(servers["2"]?["PassFile"] as? String == "/pgpass")
    }

    @Test func patronictlFollowsSSLAndListsInfraNodes() throws {
        let t = try Self.tree()
        let f = try #require(t.file("/infra/conf/patronictl.yml", on: "10.10.10.2"))
        #expect((f.group, f.mode) == ("admin", 0o640) && f.secrets.contains("Patroni.API") && f.secrets.contains("Etcd.Root"))
        let c = f.content
        #expect(c.contains("  hosts: '10.10.10.10:2379,10.10.10.12:2379'\n"))
        #expect(c.contains("  connect_address: 10.10.10.2:8008\n"))
        #expect(c.contains("  allowlist: [ 10.10.10.10, 10.10.10.2 ]\n"))
        #expect(c.contains("ctl:\n  insecure: false\n  cacert: '/etc/pki/ca.crt'\n"))
        #expect(c.contains("  keyfile: '/etc/pki/infra.key'\n  # unsafe"))
    }

    @Test func etcdctlProfileIsTheMembersOrTheInfraNodes() throws {
        let t = try Self.tree()
        let member = try Self.lines(t, "/etc/profile.d/etcdctl.sh", on: "10.10.10.12")
        #expect(member.contains(#"export ETCDCTL_ENDPOINTS="https://10.10.10.10:2379,https://10.10.10.12:2379""#))
        #expect(member.contains("export ETCDCTL_CERT=/etc/etcd/server.crt") && member.contains("  root|dba)"))
        #expect(t.file("/etc/profile.d/etcdctl.sh", on: "10.10.10.12")?.apply.step == .etcd)
        let infra = try Self.lines(t, "/etc/profile.d/etcdctl.sh", on: "10.10.10.2")
        #expect(infra.contains("export ETCDCTL_CERT=/etc/pki/infra.crt") && !infra.contains { $0.contains("id -un") })
        #expect(infra.contains(#"export ETCDCTL_ENDPOINTS="https://10.10.10.10:2379,https://10.10.10.12:2379""#))
        #expect(t.file("/etc/profile.d/etcdctl.sh", on: "10.10.10.11") == nil)
        // Without node_admin_enabled only root logs in; without an etcd group no endpoints.
        let noAdmin = try Self.tree(Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10", with: "admin_ip: 10.10.10.10\n    node_admin_enabled: false"))
        #expect(try Self.lines(noAdmin, "/etc/profile.d/etcdctl.sh", on: "10.10.10.10").contains("  root)"))
        #expect(noAdmin.files(on: "10.10.10.11").allSatisfy { !$0.path.hasPrefix("/etc/sudoers.d/") })
        let noEtcd = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars: { admin_ip: 10.10.10.10 }
        """
        let lone = try Self.lines(try Self.tree(noEtcd), "/etc/profile.d/etcdctl.sh", on: "10.10.10.10")
        #expect(!lone.contains { $0.contains("ETCDCTL_ENDPOINTS") })
        #expect(try Self.content(try Self.tree(noEtcd), "/infra/conf/patronictl.yml", on: "10.10.10.10").contains("  hosts: '10.10.10.10:2379'\n"))
    }

    @Test func nodeAdminSudoAndSSH() throws {
        let t = try Self.tree()
        #expect(try Self.lines(t, "/etc/sudoers.d/dba", on: "10.10.10.11") == ["%admin ALL=(ALL) NOPASSWD: ALL"])
        let ssh = try #require(t.file("/home/dba/.ssh/config", on: "10.10.10.11"))
        #expect((ssh.owner, ssh.group, ssh.mode) == ("dba", "admin", 0o600))
        let o = t.objects(on: "10.10.10.11")
        #expect(o.groups["admin"]?.gid == 88 && o.users["dba"]?.groups == ["admin"])
        for (mode, rule) in [("all", "%admin ALL=(ALL) ALL"), ("limit", "%admin ALL=(ALL) NOPASSWD: /bin/systemctl, /usr/bin/journalctl, /bin/cat, /bin/less, /bin/tail, /bin/head"),
                             ("other", "%admin ALL=(ALL) NOPASSWD: ALL")] {
            let a = NodeAdminFiles(ip: "n", username: "ops", uid: 88, sudo: mode)
            #expect(Self.lines(AdminEnvBackend.adminSudoers(a)) == [rule], "\(mode)")
        }
    }

    @Test func adminShellEnvironmentQuotesValues() throws {
        let t = try Self.tree()
        let env = try #require(t.file("/root/.pigsty", on: "10.10.10.10"))
        #expect(env.content.contains("export GRAFANA_PASSWORD='pig sty'\n") && env.secrets == ["pig sty"])
        let rc = try #require(t.file("/root/.bashrc", on: "10.10.10.10"))
        #expect(rc.placement == .managedBlock && Self.lines(rc.content) == ["[ -f ~/.pigsty ] && . ~/.pigsty"])
        #expect(t.files(on: "10.10.10.10").filter { $0.path.hasPrefix("/root/") || $0.path.hasPrefix("/infra/") }
            .allSatisfy { $0.apply.step == .infra && $0.apply.effects.isEmpty })
    }
}
