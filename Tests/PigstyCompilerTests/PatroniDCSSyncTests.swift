import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyBackends
import PigstyTestSupport

/// `/pg/bin/pg-dcs-sync`: an inventory change of Patroni's dynamic configuration reaches the DCS
/// of a running cluster. The script runs against a stand-in of Patroni's REST API (GET/PATCH
/// `/config`, GET `/cluster`) listening on the instance's own address inside a private network
/// namespace (`unshare -n`), which records what it is sent.
struct PatroniDCSSyncTests {
    static func inventory(_ vars: String) -> String {
        """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars:
                pg_cluster: pg-test
                patroni_password: 'Pa ss"word'
                \(vars)
          vars:
            admin_ip: 10.10.10.10
        """
    }

    static func files(_ vars: String) throws -> FileTree {
        let out = try emit(inventory(vars), Backends.all)
        #expect(!out.sink.hasErrors, "\(out.sink.diagnostics)")
        return out.tree
    }

    @Test func everyPatroniMemberGetsTheScriptAndAnActionOnThePrimary() throws {
        let tree = try Self.files("pg_parameters: { work_mem: 64MB }")
        for node in ["10.10.10.11", "10.10.10.12"] {
            let script = try #require(tree.file("/pg/bin/pg-dcs-sync", on: node))
            #expect((script.owner, script.group, script.mode) == ("root", "postgres", 0o750))
            #expect(script.secrets.isEmpty && !script.content.contains("Pa ss"))
            let action = try #require(tree.objects(on: node).sortedActions.first { $0.name == "patroni-dcs" })
            let instance = node == "10.10.10.11" ? "pg-test-1" : "pg-test-2"
            #expect(action.command == "runuser -u 'postgres' -- /pg/bin/pg-dcs-sync '/pg/conf/\(instance).yml'")
            #expect(action.inputs == ["/pg/bin/pg-dcs-sync", "/pg/conf/\(instance).yml"])
            // Only where the member is the primary when apply runs.
            #expect(action.when == "curl -fsS -o /dev/null 'http://\(node):8008/primary'")
        }
    }

    /// A Patroni API stand-in: serves `state.json` as the DCS configuration, records each
    /// request (method, path, Authorization, body) in `requests.log`.
    static let fakeAPI = #"""
    import http.server, json, os, sys
    state, log, addr = sys.argv[1], sys.argv[2], sys.argv[3]
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def record(self, body):
            with open(log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "auth": self.headers.get("Authorization"), "body": body}) + "\n")
        def reply(self, obj):
            data = json.dumps(obj).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
            self.wfile.write(data)
        def do_GET(self):
            self.record(None)
            if self.path == "/config":
                self.reply(json.load(open(state)))
            elif self.path == "/patroni":
                pending = os.path.exists(state + ".pending") and not os.path.exists(state + ".restarted")
                self.reply({"state": "running", "role": "replica", "pending_restart": pending})
            else:
                self.reply({"members": [{"name": "pg-test-1", "role": "leader", "pending_restart": True},
                                        {"name": "pg-test-2", "role": "replica"}]})
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.record(body)
            open(state + ".restarted", "w").close()
            data = b"restarted successfully"
            self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
            self.wfile.write(data)
        def do_PATCH(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.record(body)
            self.reply(body)
    host, port = addr.rsplit(":", 1)
    http.server.HTTPServer((host, int(port)), H).serve_forever()
    """#

    /// Runs the script with `config` against the stand-in holding `state` (JSON); returns its
    /// output and the requests the stand-in saw.
    static func sync(script: String, config: String, state: String, args: String = "", pending: Bool = false) throws
        -> (status: Int32, output: String, requests: [[String: Any]]) {
        let dir = try ApplyScriptTests.temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in [("pg-dcs-sync", script), ("pg-test-1.yml", config), ("state.json", state), ("api.py", fakeAPI)] {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }
        let d = dir.path
        if pending { try Data().write(to: dir.appendingPathComponent("state.json.pending")) }
        let driver = """
        set -u
        ip link set lo up && ip addr add 10.10.10.11/32 dev lo
        /usr/bin/python3 \(d)/api.py \(d)/state.json \(d)/requests.log 10.10.10.11:8008 & api=$!
        for i in $(seq 50); do (exec 3<>/dev/tcp/10.10.10.11/8008) 2>/dev/null && break; sleep 0.1; done
        timeout -s KILL 60 /usr/bin/python3 \(d)/pg-dcs-sync \(args) \(d)/pg-test-1.yml; rc=$?
        kill -9 $api; exit $rc
        """
        let r = try runTool("/usr/bin/unshare", ["-n", "/bin/bash", "-c", driver])
        let log = (try? String(contentsOf: dir.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
        let requests = log.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (r.status, r.output, requests)
    }

    /// The DCS as Patroni bootstrapped it from `config` (its `bootstrap.dcs`), as JSON, with `extra` keys.
    static func dcsState(of config: String, extra: [String: Any]) throws -> String {
        let r = try runTool("/usr/bin/python3", ["-c", """
            import json, sys, yaml
            dcs = yaml.safe_load(sys.stdin)["bootstrap"]["dcs"]
            dcs.update(json.loads(sys.argv[1]))
            print(json.dumps(dcs))
            """, String(decoding: try JSONSerialization.data(withJSONObject: extra), as: UTF8.self)], stdin: config)
        #expect(r.status == 0, "\(r.output)")
        return r.output
    }

    @Test func anInventoryChangeIsPatchedIntoTheDCSAndNothingElse() throws {
        // pg_parameters land in postgresql.auto.conf; the DCS holds the tuned parameters
        // (pg_max_conn) and the timings of pg_rto and pg_rpo.
        let before = try Self.files("pg_max_conn: 500")
        let after = try Self.files("pg_max_conn: 300\n        pg_rto: fast\n        pg_rpo: 0")
        let old = try #require(before.file("/pg/conf/pg-test-1.yml", on: "10.10.10.11")).content
        let new = try #require(after.file("/pg/conf/pg-test-1.yml", on: "10.10.10.11")).content
        let script = try #require(after.file("/pg/bin/pg-dcs-sync", on: "10.10.10.11")).content
        // The running cluster: bootstrapped from the old file, paused by the operator, and with a
        // parameter someone set by hand through patronictl edit-config.
        var state = try Self.dcsState(of: old, extra: ["pause": true])
        state = state.replacingOccurrences(of: "\"parameters\": {", with: "\"parameters\": {\"by_hand\": \"1\", ")
        let r = try Self.sync(script: script, config: new, state: state)
        #expect(r.status == 0, "\(r.output)")
        let patches = r.requests.filter { $0["method"] as? String == "PATCH" }
        #expect(patches.count == 1, "\(r.requests)")
        let body = try #require(patches.first?["body"] as? [String: Any])
        let params = try #require((body["postgresql"] as? [String: Any])?["parameters"] as? [String: Any])
        #expect(params["max_connections"] as? Int == 300)
        #expect(params["work_mem"] == nil)  // unchanged: not sent
        // Parameters are the inventory's: one it no longer has is removed (null); pause stays.
        #expect(params.keys.contains("by_hand") && params["by_hand"] is NSNull)
        #expect(body["pause"] == nil && body["standby_cluster"] == nil)
        #expect(body["ttl"] != nil)  // pg_rto changed the leader's TTL
        #expect(body["maximum_lag_on_failover"] as? Int == 0)  // pg_rpo
        // Basic authentication with the file's API user; the password only there, never printed.
        let auth = try #require(patches.first?["auth"] as? String)
        #expect(auth == "Basic " + Data("postgres:Pa ss\"word".utf8).base64EncodedString())
        #expect(!r.output.contains("Pa ss"))
        #expect(r.output.contains("pg-dcs-sync: updated "), "\(r.output)")
        #expect(r.output.contains("postgresql.parameters.by_hand (removed)"), "\(r.output)")
        #expect(r.output.contains("pending restart: pg-test-1"), "\(r.output)")

        // The DCS already holding the file's configuration: no PATCH.
        let same = try Self.sync(script: script, config: new, state: try Self.dcsState(of: new, extra: ["pause": true]))
        #expect(same.status == 0, "\(same.output)")
        #expect(!same.requests.contains { $0["method"] as? String == "PATCH" }, "\(same.requests)")
        #expect(same.output.contains("already holds"))
    }

    /// A replica with a pending restart restarts itself through its own API (`restart_pending`),
    /// then waits until it runs again; one without changes nothing. The primary only reports.
    @Test func aReplicaPendingRestartRestartsItselfAndOnlyThen() throws {
        let tree = try Self.files("pg_max_conn: 300")
        for node in ["10.10.10.11", "10.10.10.12"] {
            let action = try #require(tree.objects(on: node).sortedActions.first { $0.name == "patroni-restart" })
            let instance = node == "10.10.10.11" ? "pg-test-1" : "pg-test-2"
            #expect(action.command == "runuser -u 'postgres' -- /pg/bin/pg-dcs-sync --restart-pending '/pg/conf/\(instance).yml'")
            #expect(action.when == "curl -fsS -o /dev/null 'http://\(node):8008/replica'")
            #expect(action.inputs.contains("/pg/data/postgresql.auto.conf"))
            // After the DCS sync of the primary in the same step.
            let order = tree.objects(on: node).sortedActions.map(\.name)
            #expect(order.firstIndex(of: "patroni-dcs")! < order.firstIndex(of: "patroni-restart")!)
        }
        let config = try #require(tree.file("/pg/conf/pg-test-1.yml", on: "10.10.10.11")).content
        let script = try #require(tree.file("/pg/bin/pg-dcs-sync", on: "10.10.10.11")).content
        let state = try Self.dcsState(of: config, extra: [:])
        let pending = try Self.sync(script: script, config: config, state: state, args: "--restart-pending", pending: true)
        #expect(pending.status == 0, "\(pending.output)")
        let posts = pending.requests.filter { $0["method"] as? String == "POST" }
        #expect(posts.count == 1 && posts.first?["path"] as? String == "/restart", "\(pending.requests)")
        #expect((posts.first?["body"] as? [String: Any])?["restart_pending"] as? Bool == true)
        #expect(posts.first?["auth"] as? String == "Basic " + Data("postgres:Pa ss\"word".utf8).base64EncodedString())
        #expect(pending.output.contains("pg-dcs-sync: restarted") && !pending.output.contains("Pa ss"), "\(pending.output)")
        #expect(!pending.requests.contains { $0["method"] as? String == "PATCH" })
        // No setting pending: after Patroni's loop (loop_wait + 5 s), nothing is restarted.
        let calm = try Self.sync(script: script, config: config, state: state, args: "--restart-pending")
        #expect(calm.status == 0 && calm.output.contains("no restart pending"), "\(calm.output)")
        #expect(!calm.requests.contains { $0["method"] as? String == "POST" })
    }
}
