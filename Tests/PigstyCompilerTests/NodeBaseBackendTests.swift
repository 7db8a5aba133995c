import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The node role's own files (NodeBaseBackend): chrony, /etc/hosts block, resolver, kernel
/// modules, tuned profiles, huge pages, package sources.
struct NodeBaseBackendTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        minio:
          hosts:
            10.10.10.11: { minio_seq: 1 }
            10.10.10.12: { minio_seq: 2 }
          vars: { minio_cluster: minio }
        nodes:
          hosts:
            10.10.10.13: { nodename: web-1 }
      vars:
        admin_ip: 10.10.10.10
        node_ntp_servers: [ 'pool pool.ntp.org iburst', 'server ${admin_ip} iburst' ]
        node_etc_hosts: [ '${admin_ip} i.pigsty sss.pigsty', '10.10.10.9 s3.pigsty' ]
    """

    static func emitted(_ text: String = inventory, facts: FactsTable = FactsTable()) throws -> Emitted {
        try emit(text, [NodeBaseBackend()], facts: facts)
    }

    static func tree(_ text: String = inventory, facts: FactsTable = FactsTable()) throws -> FileTree {
        try emitted(text, facts: facts).tree
    }

    static func file(_ t: FileTree, _ path: String, on node: String) throws -> GeneratedFile {
        try #require(t.file(path, on: node), "\(path) missing on \(node)")
    }

    /// Non-comment, non-blank lines.
    static func lines(_ t: FileTree, _ path: String, on node: String) throws -> [String] {
        try file(t, path, on: node).content.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    static func with(_ vars: String) -> String { inventory + "\n" + vars.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n" }

    // MARK: chrony

    @Test func chronySkipsTheAdminServerOnTheAdminNodeAndRestartsChronyd() throws {
        let t = try Self.tree()
        let admin = try Self.lines(t, "/etc/chrony.conf", on: "10.10.10.10")
        #expect(admin.first == "pool pool.ntp.org iburst")
        #expect(!admin.contains { $0.hasPrefix("server") })
        let other = try Self.lines(t, "/etc/chrony.conf", on: "10.10.10.13")
        #expect(Array(other.prefix(2)) == ["pool pool.ntp.org iburst", "server 10.10.10.10 iburst"])
        #expect(other.contains("makestep 10 120") && other.contains("allow 10.0.0.0/8") && other.last == "logdir /var/log/chrony")
        let f = try Self.file(t, "/etc/chrony.conf", on: "10.10.10.13")
        #expect(f.apply == ApplyClass.in(.node, .restart("chronyd")))
        #expect(f.mode == 0o644 && f.owner == "root")
    }

    @Test func chronyOnDebianAndDisabled() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.13"] = NodeFacts(os: "d12", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0")
        let t = try Self.tree(facts: facts)
        #expect(t.file("/etc/chrony.conf", on: "10.10.10.13") == nil)
        #expect(try Self.file(t, "/etc/chrony/chrony.conf", on: "10.10.10.13").apply == ApplyClass.in(.node, .restart("chrony")))
        let off = try Self.tree(Self.with("node_ntp_enabled: false"))
        #expect(off.file("/etc/chrony.conf", on: "10.10.10.13") == nil)
    }

    // MARK: /etc/hosts

    @Test func hostsIsAManagedBlockOfStaticRecordsAndMinioMembers() throws {
        let t = try Self.tree()
        let f = try Self.file(t, "/etc/hosts", on: "10.10.10.13")
        #expect(f.placement == .managedBlock)
        #expect(f.content.hasSuffix("\n"))
        #expect(try Self.lines(t, "/etc/hosts", on: "10.10.10.13") == [
            "10.10.10.10 i.pigsty # pigsty dns", "10.10.10.10 i.pigsty sss.pigsty # pigsty dns",
            "10.10.10.9 s3.pigsty # pigsty dns",
        ])
        // MinIO members get every member's name (minio_node filled in).
        #expect(try Self.lines(t, "/etc/hosts", on: "10.10.10.11").suffix(2) == [
            "10.10.10.11 minio-1.pigsty # minio dns", "10.10.10.12 minio-2.pigsty # minio dns",
        ])
        #expect(f.apply == ApplyClass.in(.node))
    }

    @Test func hostsWithoutWritingAndWithNameExchange() throws {
        let off = try Self.tree(Self.with("node_write_etc_hosts: false"))
        #expect(off.file("/etc/hosts", on: "10.10.10.13") == nil)
        #expect(off.file("/etc/hosts", on: "10.10.10.11") == nil)
        let exchange = try Self.tree(Self.with("nodename_exchange: true"))
        let l = try Self.lines(exchange, "/etc/hosts", on: "10.10.10.10")
        #expect(l.contains("10.10.10.13 web-1 # pigsty meta"))
        #expect(l.contains("10.10.10.10 10.10.10.10 # pigsty meta"))
    }

    // MARK: resolv.conf

    @Test func resolverAddKeepsTheNodesOtherServersAfterPigstys() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.13"] = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0",
                                                nameservers: ["10.10.10.10", "1.1.1.1", "8.8.8.8", "9.9.9.9"])
        let t = try Self.tree(facts: facts)
        // The first three of the node's servers, the admin node's own address dropped.
        #expect(try Self.lines(t, "/etc/resolv.conf", on: "10.10.10.13") == [
            "options single-request-reopen timeout:1", "nameserver 10.10.10.10", "nameserver 1.1.1.1", "nameserver 8.8.8.8",
        ])
        #expect(try Self.lines(t, "/etc/resolv.conf", on: "10.10.10.11") == [
            "options single-request-reopen timeout:1", "nameserver 10.10.10.10",
        ])
        let overwrite = try Self.tree(Self.with("node_dns_method: overwrite"), facts: facts)
        #expect(try Self.lines(overwrite, "/etc/resolv.conf", on: "10.10.10.13").count == 2)
        let none = try Self.tree(Self.with("node_dns_method: none"))
        #expect(none.file("/etc/resolv.conf", on: "10.10.10.13") == nil)
    }

    // MARK: kernel modules, tuned, huge pages

    @Test func oneModulesLoadFilePerModule() throws {
        let t = try Self.tree(Self.with("node_kernel_modules: [softdog, br_netfilter]"))
        #expect(try Self.lines(t, "/etc/modules-load.d/br_netfilter.conf", on: "10.10.10.13") == ["br_netfilter"])
        #expect(try Self.file(t, "/etc/modules-load.d/softdog.conf", on: "10.10.10.13").apply
            == ApplyClass.in(.node, .restart("systemd-modules-load")))
        #expect(t.file("/etc/modules-load.d/ip_vs.conf", on: "10.10.10.13") == nil)
    }

    @Test func tunedProfilesFollowTheNodesMemoryAndOvercommit() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.13"] = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 8192, diskGB: 40, iface: "eth0")
        let t = try Self.tree(facts: facts)
        let oltp = try Self.lines(t, "/etc/tuned/oltp/tuned.conf", on: "10.10.10.13")
        #expect(oltp.contains("kernel.shmall = 1572864") && oltp.contains("kernel.shmmax = 6442450944"))
        #expect(oltp.contains("vm.overcommit_ratio=100"))
        #expect(!(try Self.lines(t, "/etc/tuned/olap/tuned.conf", on: "10.10.10.13")).contains { $0.hasPrefix("vm.overcommit") })
        #expect(try Self.file(t, "/etc/tuned/tiny/tuned.conf", on: "10.10.10.13").apply == ApplyClass.in(.node, .restart("tuned")))
        #expect(t.objects(on: "10.10.10.13").directories["/etc/tuned/crit"] != nil)
        let strict = try Self.tree(Self.with("node_overcommit_ratio: 80"))
        let crit = try Self.lines(strict, "/etc/tuned/crit/tuned.conf", on: "10.10.10.13")
        #expect(crit.contains("vm.overcommit_memory=2") && crit.contains("vm.overcommit_ratio=80"))
        let none = try Self.tree(Self.with("node_tune: none"))
        #expect(none.file("/etc/tuned/oltp/tuned.conf", on: "10.10.10.13") == nil)
        #expect(none.file("/etc/sysctl.d/hugepage.conf", on: "10.10.10.13") == nil)
        var el10 = FactsTable()
        el10.defaults.os = "el10"
        #expect(try Self.tree(facts: el10).file("/etc/tuned/profiles/oltp/tuned.conf", on: "10.10.10.13") != nil)
    }

    @Test func hugepagesFromCountOrRatioCappedAtNinetyPercent() throws {
        func pages(_ vars: String) throws -> [String] {
            try Self.lines(Self.tree(Self.with(vars)), "/etc/sysctl.d/hugepage.conf", on: "10.10.10.13")
        }
        #expect(try pages("node_tune: oltp") == ["vm.nr_hugepages = 0"])
        #expect(try pages("node_hugepage_count: 1000") == ["vm.nr_hugepages = 1000"])
        // 16 GiB = 8192 pages of 2 MiB; 90% rounds up to 7373.
        #expect(try pages("node_hugepage_count: 99999") == ["vm.nr_hugepages = 7373"])
        #expect(try pages("node_hugepage_ratio: 0.25") == ["vm.nr_hugepages = 2048"])
        #expect(try pages("node_hugepage_ratio: 0.95") == ["vm.nr_hugepages = 0"])
        #expect(try Self.file(Self.tree(), "/etc/sysctl.d/hugepage.conf", on: "10.10.10.13").apply
            == ApplyClass.in(.node, .restart("systemd-sysctl")))
    }

    // MARK: package sources

    @Test func defaultRepositoriesOnEL9NameTheMinorReleaseForPGDG() throws {
        let t = try Self.tree(Self.with("node_repo_modules: 'local, pgsql,node'"))
        let local = try Self.lines(t, "/etc/yum.repos.d/local.repo", on: "10.10.10.13")
        #expect(local == ["[pigsty-local]", "name = Pigsty Local $releasever - $basearch", "baseurl = http://10.10.10.10/pigsty",
                          "gpgcheck = 0", "enabled = 1", "skip_if_unavailable = 1", "priority = 1", "module_hotfixes = 1"])
        let pgsql = try Self.lines(t, "/etc/yum.repos.d/pgsql.repo", on: "10.10.10.13")
        #expect(pgsql.contains("baseurl = https://download.postgresql.org/pub/repos/yum/17/redhat/rhel-9.6-$basearch"))
        #expect(try Self.lines(t, "/etc/yum.repos.d/node.repo", on: "10.10.10.13").contains("[crb]"))
        var older = FactsTable()
        older.defaults.osRelease = "9.4"
        let t94 = try Self.tree(Self.with("node_repo_modules: pgsql"), facts: older)
        #expect(try Self.lines(t94, "/etc/yum.repos.d/pgsql.repo", on: "10.10.10.13")
            .contains("baseurl = https://download.postgresql.org/pub/repos/yum/17/redhat/rhel-$releasever-$basearch"))
        var el10 = FactsTable()
        el10.defaults.os = "el10"
        let t10 = try Self.tree(Self.with("node_repo_modules: node,pgsql"), facts: el10)
        #expect(try Self.lines(t10, "/etc/yum.repos.d/node.repo", on: "10.10.10.13")
            .contains("baseurl = https://mirrors.edge.kernel.org/fedora-epel/10z/Everything/$basearch/"))
        #expect(try Self.lines(t10, "/etc/yum.repos.d/pgsql.repo", on: "10.10.10.13")
            .contains("baseurl = https://download.postgresql.org/pub/repos/yum/18/redhat/rhel-10.0-$basearch"))
    }

    @Test func userRepositoriesRegionsAndMetaOverrides() throws {
        let t = try Self.tree(Self.with("""
        region: china
        node_repo_modules: mine
        repo_upstream:
          - { name: a, description: 'A', module: mine, releases: [9], arch: [x86_64], baseurl: { default: 'http://x/$releasever', china: 'http://cn/${admin_ip}' }, meta: { gpgcheck: 1, baseurl: 'http://y', sslverify: false } }
          - { name: a, description: 'A again', module: mine, releases: [9], arch: [x86_64], baseurl: { default: 'http://z' } }
          - { name: b, description: 'B', module: mine, releases: [8], arch: [x86_64], baseurl: { default: 'http://b' } }
          - { name: c, description: 'C', module: mine, releases: [9], arch: [aarch64], baseurl: { default: 'http://c' } }
          - { name: d, description: 'D', module: mine, releases: [9], arch: [x86_64], baseurl: { default: 'http://d/$releasever', china: '' }, minor: true }
        """))
        #expect(try Self.lines(t, "/etc/yum.repos.d/mine.repo", on: "10.10.10.13") == [
            "[a]", "name = A $releasever - $basearch", "baseurl = http://y", "gpgcheck = 1", "enabled = 1", "sslverify = False",
            "[d]", "name = D $releasever - $basearch", "baseurl = http://d/9.6", "gpgcheck = 0", "enabled = 1",
        ])
        #expect(try Self.file(t, "/etc/yum.repos.d/mine.repo", on: "10.10.10.13").content.contains("from the inventory's repo_upstream"))
    }

    @Test func debianNodesGetAptSourcesWithTheirCodename() throws {
        var facts = FactsTable()
        facts.defaults.os = "u24"
        let t = try Self.tree(Self.with("node_repo_modules: infra,pgsql"), facts: facts)
        #expect(t.file("/etc/yum.repos.d/pgsql.repo", on: "10.10.10.13") == nil)
        let pgsql = try Self.lines(t, "/etc/apt/sources.list.d/pgsql.list", on: "10.10.10.13")
        #expect(pgsql == ["deb [trusted=yes] https://repo.pigsty.io/apt/pgsql/noble noble main",
                          "deb [trusted=yes] http://apt.postgresql.org/pub/repos/apt/ noble-pgdg main"])
        #expect(try Self.lines(t, "/etc/apt/sources.list.d/infra.list", on: "10.10.10.13")
            .contains("deb [trusted=yes] https://download.docker.com/linux/ubuntu noble stable"))
    }

    @Test func repoRoleFilesStayOnInfraNodesOnlyWithoutRepoRemoval() throws {
        let removed = try Self.tree()
        #expect(removed.files(on: "10.10.10.10").filter { $0.path.hasPrefix("/etc/yum.repos.d/") }.map(\.path) == ["/etc/yum.repos.d/local.repo"])
        let kept = try Self.tree(Self.with("node_repo_remove: false"))
        #expect(Set(kept.files(on: "10.10.10.10").filter { $0.path.hasPrefix("/etc/yum.repos.d/") }.map(\.path))
            == ["/etc/yum.repos.d/local.repo", "/etc/yum.repos.d/infra.repo", "/etc/yum.repos.d/node.repo", "/etc/yum.repos.d/pgsql.repo"])
        #expect(kept.files(on: "10.10.10.13").filter { $0.path.hasPrefix("/etc/yum.repos.d/") }.count == 1)
    }

    // MARK: values and checks

    @Test func valuesStayOnTheirLines() throws {
        // Check rejects line breaks (PGS0315); the writers contain them anyway.
        let hostile = Self.inventory.replacingOccurrences(of: "10.10.10.13: { nodename: web-1 }", with: """
            10.10.10.13: { nodename: web-1, node_ntp_servers: [ "pool a\\nallow 0.0.0.0/0" ], node_etc_hosts: [ "10.1.1.1 a\\n10.6.6.6 evil" ], node_dns_options: [ "options x\\nnameserver 6.6.6.6" ] }
            """)
        #expect(hostile != Self.inventory)
        let t = try emit(hostile, [NodeBaseBackend()], checked: false).tree
        #expect(!(try Self.file(t, "/etc/chrony.conf", on: "10.10.10.13")).content.split(separator: "\n").contains("allow 0.0.0.0/0"))
        #expect(!(try Self.file(t, "/etc/hosts", on: "10.10.10.13")).content.split(separator: "\n").contains { $0.hasPrefix("10.6.6.6") })
        #expect(!(try Self.file(t, "/etc/resolv.conf", on: "10.10.10.13")).content.split(separator: "\n").contains("nameserver 6.6.6.6"))
    }

    @Test func moduleNamesThatWouldLeaveTheirDirectoryAreRejected() throws {
        for vars in ["node_kernel_modules: [ '../../etc/cron.d/x' ]", "node_repo_modules: 'local,../x'", "repo_modules: 'a/b'"] {
            let sink = DiagnosticSink()
            _ = Frontend.check(SourceFile(path: "pigsty.yml", text: Self.with(vars)), sink: sink)
            #expect(sink.diagnostics.contains { $0.code == .unsafeName }, "\(vars)")
        }
    }

    @Test func factsGiveTheReleaseAndTheNodesNameServers() throws {
        let sink = DiagnosticSink()
        let table = try #require(FactsTable.parse(SourceFile(path: "facts.yml", text: """
        default: { os: el9, os_release: '9.4', nameservers: [1.1.1.1, '2606:4700::1111'] }
        hosts:
          10.10.10.13: { os: d12 }
        """), sink: sink))
        #expect(!sink.hasErrors)
        #expect(table.defaults.release == "9.4" && table.defaults.nameservers == ["1.1.1.1", "2606:4700::1111"])
        #expect(table.facts(for: "10.10.10.13").release == "12" && table.facts(for: "10.10.10.13").codename == "bookworm")
        for bad in ["default: { os: el9, os_release: '8.10' }", "default: { nameservers: [ 'x y' ] }", "default: { nameservers: 1.1.1.1 }"] {
            let s = DiagnosticSink()
            #expect(FactsTable.parse(SourceFile(path: "facts.yml", text: bad), sink: s) == nil || s.hasErrors, "\(bad)")
            #expect(s.diagnostics.contains { $0.code == .factsInvalid }, "\(bad)")
        }
    }
}
