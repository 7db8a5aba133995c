import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// HAProxy: `/etc/haproxy/haproxy.cfg` on every node with `haproxy_enabled`, one
/// `/etc/haproxy/conf.d/<name>.cfg` per `haproxy_services` entry on those nodes, and one
/// `/etc/haproxy/conf.d/<pg_cluster>-<service>.cfg` per PostgreSQL service (`pg_default_services` +
/// `pg_services`) on every cluster member, or on every node of the `pg_service_provider` group.
/// Everything is lowered in `graph.access`; this renders it.
struct HAProxyBackend: Backend {
    let name = "haproxy"
    static let haproxyApply = ApplyClass.in(.haproxy, .reload("haproxy"))
    static let serviceApply = ApplyClass.in(.service, .reload("haproxy"))

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let access = graph.access
        for node in access.haproxy {
            tree.add(GeneratedFile(path: "/etc/haproxy/haproxy.cfg", content: Self.globalConfig(node),
                                   owner: "root", group: "root", mode: 0o600, producer: "haproxy:\(node.ip)",
                                   apply: Self.haproxyApply, secrets: [node.adminPassword, "haproxy"]),
                     on: node.ip)
            // haproxy.service reads `-f /etc/haproxy/conf.d` and does not start without it: the haproxy
            // step makes it (Pigsty's haproxy role does), whether or not the node has services yet.
            tree.addDirectory(NodeDirectory(path: "/etc/haproxy/conf.d", producer: "haproxy:\(node.ip)", step: .haproxy),
                              on: node.ip)
            for svc in node.services {
                tree.add(GeneratedFile(path: "/etc/haproxy/conf.d/\(svc.name).cfg",
                                       content: Self.genericService(svc, node: node.ip),
                                       producer: "haproxy_service:\(svc.name)", apply: Self.haproxyApply),
                         on: node.ip)
            }
        }
        for issue in access.issues {
            sink.report(issue.code, issue.message, at: issue.range, path: issue.path)
        }
        var bodies: [ObjectIdentifier: LineWriter] = [:]
        for file in access.pgServices {
            var top = LineWriter()
            top.comment("\(file.fullName) on port \(file.port), as rendered by \(file.renderer)")
            let id = ObjectIdentifier(file.body)
            let body: LineWriter
            if let known = bodies[id] { body = known } else {
                body = Self.pgService(file.body, name: file.fullName)
                bodies[id] = body
            }
            top.append(body)
            for target in file.targets {
                var w = LineWriter()
                w.verbatim(Header.hash("haproxy service \(file.fullName)", node: target))
                w.append(top)
                tree.add(GeneratedFile(path: "/etc/haproxy/conf.d/\(file.fullName).cfg", content: w.text,
                                       producer: "pg_service:\(file.fullName)", apply: Self.serviceApply),
                         on: target)
            }
        }
    }

    // MARK: - haproxy.cfg

    static func globalConfig(_ node: HAProxyNode) -> String {
        let admin = word(node.adminUsername), password = word(node.adminPassword)
        var w = LineWriter()
        w.verbatim(Header.hash("haproxy global configuration", node: node.ip))
        w.comment("node \(node.nodename) @ \(node.ip); services are loaded from /etc/haproxy/conf.d")
        w.blank()
        w.line("global")
        w.indent = "    "
        w.line("user        haproxy")
        w.line("group       haproxy")
        w.line("node        \(node.nodename)")
        w.line("pidfile     /var/run/haproxy.pid")
        w.line("stats socket /var/run/haproxy.sock mode 600 level admin")
        w.line("maxconn     65535")
        w.blank()
        w.indent = ""
        w.line("defaults")
        w.indent = "    "
        w.line("mode               tcp")
        w.line("retries            3")
        w.line("timeout queue      3s")
        w.line("timeout connect    3s")
        w.line("timeout client     \(node.clientTimeout)")
        w.line("timeout server     \(node.serverTimeout)")
        w.line("timeout check      3s")
        w.blank()
        w.indent = ""
        w.comment("admin users may change server states on the stats page; haproxy/haproxy may only read it")
        w.line("userlist stats-auth")
        w.indent = "    "
        w.line("group admin users \(admin)")
        w.line("user \(admin)  insecure-password \(password)")
        w.line("group readonly users haproxy")
        w.line("user haproxy insecure-password haproxy")
        w.blank()
        w.indent = ""
        w.comment("stats page and prometheus exporter")
        w.line("listen stats")
        w.indent = "    "
        w.line("bind *:\(node.exporterPort)")
        w.line("mode  http")
        w.line("stats enable")
        w.line("stats hide-version")
        w.line("stats uri /haproxy/\(node.nodename)/")
        w.line("stats refresh 30s")
        w.line("stats show-node")
        w.line("acl AUTH       http_auth(stats-auth)")
        w.line("acl AUTH_ADMIN http_auth_group(stats-auth) admin")
        w.line("stats http-request auth unless AUTH")
        w.line("stats admin if AUTH_ADMIN")
        w.line("http-request use-service prometheus-exporter if { path \(node.metricsPath) }")
        return w.text
    }

    /// A value as one HAProxy word: verbatim when it holds nothing HAProxy's tokenizer treats
    /// specially, else single-quoted (a `'` inside becomes `'\''`).
    static func word(_ s: String) -> String {
        let special = s.isEmpty || s.contains { $0.isWhitespace || $0 == "#" || $0 == "\\" || $0 == "'" || $0 == "\"" }
        guard special else { return s }
        return "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    // MARK: - haproxy_services

    static func genericService(_ svc: HAProxyService, node: String) -> String {
        var w = LineWriter()
        w.verbatim(Header.hash("haproxy service \(svc.name)", node: node))
        w.comment("listens on \(svc.ip):\(svc.port) of \(node)")
        w.line("listen \(svc.name)")
        w.indent = "    "
        w.line("bind \(svc.ip):\(svc.port)")
        w.line("mode \(svc.mode)")
        w.line("maxconn \(svc.maxconn)")
        w.line("balance \(svc.balance)")
        for o in svc.options { w.line(o) }
        w.line("default-server \(svc.defaultServer)")
        w.blank()
        for s in svc.servers {
            var words = ["server", s.name, "\(s.ip):\(s.port)"]
            if s.backup { words.append("backup") }
            if let weight = s.weight { words.append("weight \(weight)") }
            if let o = s.options { words.append(o) }
            w.line(words.joined(separator: " "))
        }
        return w.text
    }

    // MARK: - PostgreSQL services

    /// A PostgreSQL service's text below its first line.
    static func pgService(_ b: PgServiceBody, name: String) -> LineWriter {
        var w = LineWriter()
        w.comment("members: \(b.members.joined(separator: ", "))")
        w.comment("backups: \(b.backups.joined(separator: ", "))")
        w.line("listen \(name)")
        w.indent = "    "
        w.line("bind \(b.ip):\(b.port)")
        w.line("mode tcp")
        w.line("maxconn \(b.maxconn)")
        w.line("balance \(b.balance)")
        w.line("option httpchk")
        w.line("option http-keep-alive")
        w.line("http-check send meth OPTIONS uri \(b.check)")
        w.line("http-check expect status 200")
        w.line("default-server \(b.defaultServer)")
        w.blank()
        for s in b.servers {
            var line = "server \(s.name) \(s.ip):\(s.port)"
            if s.checkSSL { line += " check-ssl ca-file /pg/cert/ca.crt" }
            line += " check port \(s.checkPort) weight \(s.weight)"
            if s.backup { line += " backup" }
            w.line(line)
        }
        return w
    }
}
