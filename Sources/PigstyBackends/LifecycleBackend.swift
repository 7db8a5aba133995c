import PigstyDiagnostics
import PigstyFormats
import PigstyModel

/// The services each node runs and the post-start actions of PostgreSQL primaries
/// (`graph.lifecycle`), as node objects of the bundle: apply.sh enables and starts each service in
/// its step, waits for its readiness check, and runs the actions once the services are up. Renders
/// every check and action as one shell line whose values are quoted (`Shell`).
struct LifecycleBackend: Backend {
    let name = "lifecycle"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let model = graph.lifecycle
        for s in model.services {
            tree.addService(NodeService(unit: s.unit, step: s.step, order: s.order, check: Self.check(s.readiness),
                                        timeout: s.timeout, verify: s.configCheck.map(Self.verify),
                                        producer: "\(name):\(s.unit)"), on: s.ip)
        }
        for a in model.actions {
            tree.addAction(NodeAction(name: a.name, step: a.step, order: a.order, when: a.when.flatMap(Self.check),
                                      command: Self.command(a.kind), inputs: a.inputs, producer: "\(name):\(a.name)"),
                           on: a.ip)
        }
    }

    /// The shell line of a readiness check; nil for `systemctl is-active`, which apply.sh runs itself.
    static func check(_ r: Readiness) -> String? {
        switch r {
        case .active:
            return nil
        case .etcdHealth(let endpoint):
            return "ETCDCTL_API=3 etcdctl --endpoints=" + Shell.single(endpoint)
                + " --cacert=/etc/etcd/ca.crt --cert=/etc/etcd/server.crt --key=/etc/etcd/server.key endpoint health"
        case .patroni(let address, let tls, let role):
            return "curl -fsS" + (tls ? "k" : "") + " -o /dev/null "
                + Shell.single((tls ? "https://" : "http://") + address + "/" + role.rawValue)
        }
    }

    /// The shell line of a service's configuration check (the paths its unit reads).
    static func verify(_ c: ConfigCheck) -> String {
        switch c {
        case .haproxy(let files): return "haproxy -c -q " + files
        case .nginx: return "nginx -t -q"
        case .dnsmasq: return "dnsmasq --test"
        case .keepalived: return "keepalived -t -f /etc/keepalived/keepalived.conf"
        case .patroniYAML(let path):
            return "/usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1], encoding=\"utf-8\"))' " + Shell.single(path)
        }
    }

    static func command(_ k: PostStartAction.Kind) -> String {
        switch k {
        case .pgInit(let dbsu):
            return "runuser -u \(Shell.single(dbsu)) -- bash /pg/bin/pg-init"
        case .pgProvision(let dbsu):
            return "runuser -u \(Shell.single(dbsu)) -- /pg/bin/pg-provision"
        case .patroniDCS(let dbsu, let config):
            return "runuser -u \(Shell.single(dbsu)) -- \(PatroniDCSSync.path) \(Shell.single(config))"
        case .patroniRestartPending(let dbsu, let config):
            return "runuser -u \(Shell.single(dbsu)) -- \(PatroniDCSSync.path) --restart-pending \(Shell.single(config))"
        case .pgbackrestStanza(let dbsu, let stanza):
            let br = "runuser -u \(Shell.single(dbsu)) -- pgbackrest --stanza=\(Shell.single(stanza))"
            // A first full backup only while the repository holds none.
            return "\(br) stanza-create && { \(br) info --output=json | grep -q '\"backup\":\\[\\]' || exit 0; \(br) --type=full backup; }"
        }
    }
}
