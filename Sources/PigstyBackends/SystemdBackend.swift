import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// systemd: every service unit Pigsty's roles install under `/etc/systemd/system/` (patroni,
/// postgres, pgbouncer, the exporters, vip-manager, etcd, silo, the Redis instances, the infra
/// services, vector, node_exporter, keepalived_exporter, haproxy), the `/etc/default/<service>`
/// environment files they read, and `/etc/tmpfiles.d/{postgresql,redis}.conf`. Renders `graph.units`.
///
/// Each unit belongs to its service's step. apply.sh runs `systemctl daemon-reload` when a step
/// changed a unit file; a stateless service then restarts. patroni, postgres, pgbouncer and
/// haproxy are not restarted for a unit change (it applies at their next restart): restarting
/// them would stop the database or drop every client connection.
struct SystemdBackend: Backend {
    let name = "systemd"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let model = graph.units
        for u in model.units {
            tree.add(GeneratedFile(path: u.path, content: Self.render(u), producer: "systemd:\(u.name)",
                                   apply: Self.apply(u.step, u.restartOnChange ? u.name : nil)), on: u.ip)
        }
        for e in model.environmentFiles {
            tree.add(GeneratedFile(path: e.path, content: Self.render(e), owner: e.owner, group: e.group, mode: e.mode,
                                   producer: "systemd:\(e.unit)", apply: Self.apply(e.step, e.unit), secrets: e.secrets),
                     on: e.ip)
        }
        for t in model.tmpfiles {
            // Read at boot (and by systemd-tmpfiles --create): no unit to touch.
            tree.add(GeneratedFile(path: t.path, content: Self.render(t), producer: "systemd:tmpfiles",
                                   apply: .in(t.step)), on: t.ip)
        }
    }

    static func apply(_ step: ApplyStep, _ restart: String?) -> ApplyClass {
        restart.map { ApplyClass(step: step, effects: [.restart($0)]) } ?? ApplyClass(step: step, effects: [])
    }

    static func render(_ u: ServiceUnit) -> String {
        var w = SystemdUnitWriter(capacity: 1024)
        w.verbatim(Header.hash("\(u.name).service", node: u.ip))
        w.blank()
        for s in u.sections {
            w.section(s.name)
            for e in s.entries {
                switch e {
                case .text(let k, let v): w.set(k, v)
                case .fixed(let k, let v): w.fixed(k, v)
                case .command(let k, let words): w.command(k, words)
                case .environment(let k, let vars): w.environment(k, vars.map { ($0.name, $0.value) })
                case .comment(let c): w.comment(c)
                case .blank: w.blank()
                }
            }
        }
        return w.text
    }

    static func render(_ e: EnvironmentFile) -> String {
        var w = EnvFileWriter(capacity: 512)
        w.verbatim(Header.hash("environment of \(e.unit)", node: e.ip))
        for line in e.lines {
            switch line {
            case .set(let k, let v): w.set(k, v)
            case .comment(let c): w.comment(c)
            case .raw(let r): w.verbatim(LineWriter.escaped(r) + "\n")
            case .blank: w.blank()
            }
        }
        return w.text
    }

    static func render(_ t: TmpfilesFile) -> String {
        var w = LineWriter()
        Header.hash("tmpfiles.d entries", node: t.ip, into: &w)
        for d in t.directories {
            w.line(["d", d.path, d.mode, d.user, d.group, "-"].joined(separator: " "))
        }
        return w.text
    }
}
