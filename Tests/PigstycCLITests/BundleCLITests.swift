import Foundation
import Testing

/// `plan`, `bundle` and `ship` end to end. Ship runs under `unshare -n` with a fake SSH command
/// that records its calls and runs the remote command locally against a temporary root.
struct BundleCLITests {
    static let trio = ["golden/cluster-trio/pigsty.yml", "--facts", "golden/cluster-trio/facts.yml"]

    @Test func planPrintsWaves() throws {
        let r = try CLITests.run(["plan"] + Self.trio)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
        wave 1  infra            node,haproxy,infra   10.10.10.10
        wave 2  node.1           node,haproxy         10.10.10.11
        wave 3  node.2           node,haproxy         10.10.10.12
        wave 4  etcd.1           etcd                 10.10.10.10
        wave 5  etcd.2           etcd                 10.10.10.11
        wave 6  etcd.3           etcd                 10.10.10.12
        wave 7  pgsql-primary    pgsql,pgbouncer,vip  10.10.10.11
        wave 8  pgsql-replica.1  pgsql,pgbouncer,vip  10.10.10.12
        wave 9  pgsql-replica.2  pgsql,pgbouncer,vip  10.10.10.10
        wave 10  service          service              10.10.10.10 10.10.10.11 10.10.10.12
        wave 11  register         register             10.10.10.10
        wave 12  redis            redis                10.10.10.12
        12 waves, 3 nodes

        """)
        let json = try CLITests.run(["plan", "--format", "json", "-l", "10.10.10.12"] + Self.trio)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let waves = try #require(obj["waves"] as? [[String: Any]])
        #expect(waves.map { $0["name"] as? String } == ["node.2", "etcd.3", "pgsql-replica.1", "service", "redis"])
        let none = try CLITests.run(["plan", "-l", "pg-nothing"] + Self.trio)
        #expect(none.status == 64)
        #expect(none.stderr.contains("-l: 'pg-nothing' matches no node"))
    }

    @Test func planReportsACycle() throws {
        let dir = try CLITests.temp("""
        all:
          children:
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-a: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.12 } }, vars: { pg_cluster: pg-a } }
            pg-b: { hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.11 } }, vars: { pg_cluster: pg-b } }
          vars: { version: v4.5.0, admin_ip: 10.10.10.10 }

        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLITests.run(["plan"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("pigsty.yml:4:79: error[PGS0830]: the apply order has a cycle"), "\(r.stderr)")
        let ship = try CLITests.run(["ship", "--dry-run"], cwd: dir)
        #expect(ship.status == 1)
    }

    @Test func bundlesAreByteIdenticalAcrossRuns() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        #expect(try CLITests.run(["bundle"] + Self.trio + ["-o", a.path]).status == 0)
        #expect(try CLITests.run(["bundle"] + Self.trio + ["-o", b.path]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        #expect(names == ["10.10.10.10.tar.gz", "10.10.10.11.tar.gz", "10.10.10.12.tar.gz", "SHA256SUMS"])
        for n in names {
            #expect(FileManager.default.contents(atPath: a.appendingPathComponent(n).path)
                    == FileManager.default.contents(atPath: b.appendingPathComponent(n).path), "\(n)")
        }
        // Each bundle holds every secret of its node: only its owner may read it (whatever the umask).
        for n in names {
            let mode = try FileManager.default.attributesOfItem(atPath: a.appendingPathComponent(n).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(n)")
        }
        let check = try Process.runCapturing("/usr/bin/sha256sum", ["-c", "SHA256SUMS"], cwd: a)
        #expect(check.status == 0, "\(check.stdout)")
        // The archive holds exactly what compile writes for the node.
        let out = dir.appendingPathComponent("out")
        #expect(try CLITests.run(["compile"] + Self.trio + ["-o", out.path]).status == 0)
        let x = dir.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: x, withIntermediateDirectories: true)
        #expect(try Process.runCapturing("/usr/bin/tar", ["-xzf", a.appendingPathComponent("10.10.10.11.tar.gz").path], cwd: x).status == 0)
        let diff = try Process.runCapturing("/usr/bin/diff", ["-r", out.appendingPathComponent("10.10.10.11").path,
                                                             x.appendingPathComponent("10.10.10.11").path], cwd: x)
        #expect(diff.status == 0, "\(diff.stdout)")
        let limited = dir.appendingPathComponent("l")
        #expect(try CLITests.run(["bundle"] + Self.trio + ["-o", limited.path, "-l", "10.10.10.10,10.10.10.12"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: limited.path).sorted()
                == ["10.10.10.10.tar.gz", "10.10.10.12.tar.gz", "SHA256SUMS"])
    }

    /// A fake ssh: logs `target<TAB>command`, fails for one target, otherwise runs the remote command
    /// locally with apply.sh pointed at `root-<target>`.
    /// A probe (is a group member healthy now?) exits `probe`. With `etcdQuorum`, an etcd apply
    /// blocks until all three members' applies have started (a new cluster's first start waits
    /// for a quorum), at most 5 s.
    static func fakeSSH(in dir: URL, failing: String, probe: Int32 = 0, etcdQuorum: Bool = false) throws -> URL {
        let url = dir.appendingPathComponent("fake-ssh")
        try """
        #!/bin/bash
        set -u
        target=$1
        cmd=$2
        printf '%s\\t%s\\n' "$target" "$cmd" >> '\(dir.path)/calls.log'
        case $cmd in "i=0; until "*) exit 0 ;; "pigstyc_probe=1; "*) exit \(probe) ;; esac
        if \(etcdQuorum ? "true" : "false") && [[ $cmd == *"--only 'etcd'"* ]]; then
          touch '\(dir.path)/started-'"$target"
          for i in $(seq 50); do [ "$(ls '\(dir.path)' | grep -c '^started-')" -ge 3 ] && break; sleep 0.1; done
          [ "$(ls '\(dir.path)' | grep -c '^started-')" -ge 3 ] || { cat >/dev/null; echo 'etcd: no quorum'; exit 9; }
        fi
        if [ "$target" = '\(failing)' ]; then cat >/dev/null; echo 'apply failed on purpose'; exit 7; fi
        root='\(dir.path)/root-'"$target"
        mkdir -p "$root"
        cmd=${cmd/apply.sh --only/apply.sh --root $root --force --only}
        exec bash -c "$cmd"

        """.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    static func ship(_ args: [String]) throws -> Process.Captured {
        try Process.runCapturing("/usr/bin/unshare", ["-n", CLITests.binary.path, "ship"] + args, cwd: CLITests.root)
    }

    @Test func shipRunsWaveByWaveAndStopsAfterAFailedWave() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = try Self.fakeSSH(in: dir, failing: "10.10.10.11")
        let r = try Self.ship(Self.trio + ["--ssh", fake.path, "--parallel", "2"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let calls = try String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t")[0] }
        // Wave 1 (infra: .10) and wave 2 (node.1: .11, a keepalived peer, fails); .12, the other
        // peer, waits for it and never runs; nothing after.
        #expect(calls.sorted() == ["10.10.10.10", "10.10.10.11"])
        #expect(r.stdout.contains("[wave 1/12 infra] 10.10.10.10 ok"))
        #expect(r.stdout.contains("[wave 2/12 node.1] 10.10.10.11 failed (exit 7)"))
        #expect(r.stdout.contains("apply failed on purpose"))
        #expect(!r.stdout.contains("wave 3/12"))
        #expect(r.stdout.contains("not run: node.2, etcd.1, etcd.2, etcd.3, pgsql-primary, pgsql-replica.1, pgsql-replica.2, service, register, redis"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/root-10.10.10.12/etc/haproxy/haproxy.cfg"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/root-10.10.10.12/etc/etcd/etcd.conf"))
    }

    @Test func shipAppliesEveryWave() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = try Self.fakeSSH(in: dir, failing: "none")
        let r = try Self.ship(Self.trio + ["--ssh", fake.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("ship: 3 nodes ok\n"))
        let calls = try String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8).split(separator: "\n")
        #expect(calls.contains { $0.hasPrefix("10.10.10.11\t") && $0.contains("apply.sh --only 'pgsql,pgbouncer,vip' --tag ") })
        // etcd members one at a time, each health-checked before the next member applies.
        // A probe found a healthy member (an existing cluster): one at a time.
        #expect(calls.filter { $0.contains("\tpigstyc_probe=1; ") }.count == 3)
        let etcd = calls.filter { $0.contains("--only 'etcd' --tag ") || ($0.contains("endpoint health") && !$0.contains("pigstyc_probe")) }.map { line -> String in
            let f = line.split(separator: "\t", maxSplits: 1)
            return "\(f[0]) " + (f[1].contains("endpoint health") ? "check" : "apply")
        }
        #expect(etcd == ["10.10.10.10 apply", "10.10.10.10 check", "10.10.10.11 apply", "10.10.10.11 check",
                         "10.10.10.12 apply", "10.10.10.12 check"], "\(calls)")
        #expect(calls.contains { $0.hasPrefix("10.10.10.10\t") && $0.contains("etcdctl --endpoints='https://10.10.10.10:2379'") })
        #expect(calls.contains { $0.hasPrefix("10.10.10.12\t") && $0.contains("curl -fsS -o /dev/null 'http://10.10.10.12:8008/health'") })
        for (node, path) in [("10.10.10.10", "/etc/etcd/etcd.conf"), ("10.10.10.11", "/pg/data/pg_hba.conf"),
                             ("10.10.10.12", "/etc/haproxy/conf.d/pg-test-primary.cfg")] {
            #expect(FileManager.default.fileExists(atPath: dir.path + "/root-\(node)" + path), "\(node)\(path)")
        }
        let dry = try Self.ship(Self.trio + ["--ssh", fake.path, "--dry-run", "-l", "10.10.10.12"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("[wave 1/5 node.2] 10.10.10.12 would run: '\(fake.path)' '10.10.10.12' 'set -eu;"))
        #expect(dry.stdout.hasSuffix("(dry run: nothing was run)\n"))
        #expect(try String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8).split(separator: "\n").count == calls.count)
    }

    /// A new etcd cluster: no member answers the probe, so the three members apply together
    /// (their first start waits for each other), each then health-checked; with a healthy member
    /// they would apply one at a time and the first would wait for a quorum that never comes.
    @Test func aNewEtcdClusterStartsItsMembersTogether() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fresh = try Self.fakeSSH(in: dir, failing: "none", probe: 1, etcdQuorum: true)
        let r = try Self.ship(Self.trio + ["--ssh", fresh.path, "--parallel", "1"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("[wave 4-6/12 etcd] no member of etcd is healthy: a new cluster, its 3 members start together"), "\(r.stdout)")
        for node in ["10.10.10.10", "10.10.10.11", "10.10.10.12"] {
            #expect(r.stdout.contains("[wave 4-6/12 etcd] \(node) healthy"), "\(r.stdout)")
        }
        #expect(!r.stdout.contains("etcd.2"))
        #expect(r.stdout.hasSuffix("ship: 3 nodes ok\n"))

        // The same fake with a member that answers: one at a time, and the first waits in vain.
        let dir2 = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir2) }
        let serial = try Self.fakeSSH(in: dir2, failing: "none", probe: 0, etcdQuorum: true)
        let s = try Self.ship(Self.trio + ["--ssh", serial.path])
        #expect(s.status == 1)
        #expect(s.stdout.contains("[wave 4/12 etcd.1] 10.10.10.10 failed (exit 9)") && s.stdout.contains("etcd: no quorum"), "\(s.stdout)")
        #expect(s.stdout.contains("not run: etcd.2, etcd.3, pgsql-primary"), "\(s.stdout)")
    }

    /// `ship` through a real OpenSSH server: sshd runs in a private network and mount namespace,
    /// listening on that namespace's loopback only; ssh's `HostName` option sends every inventory
    /// destination there. sshd's `ForceCommand` runs the command ship sent, with apply.sh pointed
    /// at a per-node directory instead of `/`.
    @Test func shipThroughARealSSHServer() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.path
        for key in ["hostkey", "id"] {
            let r = try Process.runCapturing("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(base)/\(key)"], cwd: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        try FileManager.default.copyItem(atPath: "\(base)/id.pub", toPath: "\(base)/authorized_keys")
        try """
        ListenAddress 127.0.0.1
        Port 2222
        HostKey \(base)/hostkey
        PidFile \(base)/sshd.pid
        AuthorizedKeysFile \(base)/authorized_keys
        StrictModes no
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        ForceCommand \(base)/force

        """.write(to: dir.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
        try """
        #!/bin/bash
        cmd=$SSH_ORIGINAL_COMMAND
        node=$(printf '%s' "$cmd" | sed -n "s|.*/'\\([0-9.]*\\)'/apply.sh .*|\\1|p")
        if [ -n "$node" ]; then
          printf '%s\\t%s\\n' "$node" "$cmd" >> '\(base)/calls.log'
          mkdir -p '\(base)/root-'"$node"
          cmd=${cmd/apply.sh --only/apply.sh --root \(base)/root-$node --force --only}
        fi
        exec bash -c "$cmd"

        """.write(to: dir.appendingPathComponent("force"), atomically: true, encoding: .utf8)
        try """
        #!/bin/bash
        # Runs its arguments with sshd listening on this namespace's loopback.
        set -u
        ip link set lo up
        mount -t tmpfs tmpfs /run && mkdir -p /run/sshd
        /usr/sbin/sshd -f '\(base)/sshd_config' -E '\(base)/sshd.log' || exit 90
        for _ in $(seq 100); do
          ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \\
            -o HostName=127.0.0.1 -o Port=2222 -i '\(base)/id' probe true 2>/dev/null && break
          sleep 0.05
        done
        "$@"
        rc=$?
        kill "$(cat '\(base)/sshd.pid')"
        exit $rc

        """.write(to: dir.appendingPathComponent("driver"), atomically: true, encoding: .utf8)
        for script in ["force", "driver"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(base)/\(script)")
        }
        let ssh = "ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
            + "-o HostName=127.0.0.1 -o Port=2222 -i \(base)/id"
        let r = try Process.runCapturing("/usr/bin/unshare", ["-n", "-m", "--propagation", "private", "\(base)/driver",
                                                              CLITests.binary.path, "ship"] + Self.trio + ["--ssh", ssh, "--no-health-check"],
                                         cwd: CLITests.root)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("ship: 3 nodes ok\n"), "\(r.stdout)")
        let log = try String(contentsOf: dir.appendingPathComponent("sshd.log"), encoding: .utf8)
        #expect(log.contains("Accepted publickey for root from 127.0.0.1"))
        let calls = try String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8)
            .split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        #expect(Set(calls) == ["10.10.10.10", "10.10.10.11", "10.10.10.12"])
        // What landed is what compile writes.
        let out = dir.appendingPathComponent("out")
        #expect(try CLITests.run(["compile"] + Self.trio + ["-o", out.path]).status == 0)
        for (node, path) in [("10.10.10.10", "/etc/etcd/etcd.conf"), ("10.10.10.11", "/pg/data/pg_hba.conf"),
                             ("10.10.10.12", "/etc/haproxy/conf.d/pg-test-primary.cfg")] {
            let landed = FileManager.default.contents(atPath: "\(base)/root-\(node)\(path)")
            #expect(landed != nil && landed == FileManager.default.contents(atPath: "\(out.path)/\(node)/files\(path)"), "\(node)\(path)")
        }
    }
}
