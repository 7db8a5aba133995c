import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// The Nginx portal: `infra_portal` values that reach nginx configuration lines, certificate file
/// names and the certificate scripts (`link-cert`, `sign-cert`) must be plain words; a `conf`
/// template pigstyc does not have is reported; `nginx_users` must fit `.htpasswd` lines.
struct PortalRules: InventoryRule {
    /// Portal templates pigstyc renders itself (the ones Pigsty ships).
    static let builtinTemplates: Set<String> = ["home.conf", "path.conf", "endpoint.conf"]

    func check(_ c: RuleContext) {
        for b in c.bindings(of: "infra_portal") {
            for pair in b.value.mapping ?? [] {
                guard let key = pair.key.keyName, pair.value.mapping != nil else { continue }
                checkEntry(c, pair.value, key: key, path: "\(c.path(of: b)).\(key)")
            }
        }
        for b in c.bindings(of: "nginx_home") {
            if let s = b.value.string, !Self.isNginxPath(s) {
                unsafe(c, "nginx_home '\(SafetyRules.printable(s))' cannot be written into nginx configuration",
                       b.value, c.path(of: b), note: Self.pathNote)
            }
        }
        for b in c.bindings(of: "nginx_users") { checkUsers(c, b) }
        checkHAProxyNames(c)
        checkEnforceWithoutHTTPS(c)
    }

    /// `enforce_https` under `nginx_sslmode: disable`: the entry loses its plain-HTTP listener and
    /// redirects to an HTTPS server that is never configured.
    private func checkEnforceWithoutHTTPS(_ c: RuleContext) {
        var reported = Set<String>()
        for name in c.inventory.hosts(inGroup: "infra") {
            guard let h = c.resolved.hosts.first(where: { $0.name == name }), Jinja.bool(h.value("nginx_enabled")),
                  h.value("nginx_sslmode")?.string == "disable" else { continue }
            for pair in h.value("infra_portal")?.mapping ?? [] {
                guard let key = pair.key.keyName, pair.key.keyName != "home",
                      let flag = pair.value.mapping?.last(where: { $0.key.keyName == "enforce_https" })?.value,
                      Jinja.bool(flag),
                      let domain = pair.value["domain"], !domain.isNull, domain.string != "" else { continue }
                let at = "\(flag.range.file):\(flag.range.start.offset)"
                guard reported.insert(at).inserted else { continue }
                c.sink.report(.portalEnforceWithoutHTTPS,
                              "portal entry '\(key)' enforces HTTPS but nginx_sslmode is disable on \(h.name)",
                              at: flag.range,
                              path: "\(h.binding("infra_portal").map { c.path(of: $0) } ?? "infra_portal").\(key).enforce_https",
                              notes: [DiagnosticNote("Pigsty drops its plain-HTTP listener and redirects to an HTTPS server that is never configured",
                                                      at: c.range(for: h, "nginx_sslmode"))])
            }
        }
    }

    /// Every node with HAProxy registers `/haproxy/<nodename>/` on the infra nodes: two such nodes
    /// with one node name would overwrite each other's registration.
    private func checkHAProxyNames(_ c: RuleContext) {
        guard !c.inventory.hosts(inGroup: "infra").isEmpty else { return }
        var first: [String: ResolvedHost] = [:]
        for h in c.resolved.hosts where Jinja.bool(h.value("haproxy_enabled")) {
            let name = h.nodename ?? h.name
            guard let other = first[name] else {
                first[name] = h
                continue
            }
            // Names taken from one PostgreSQL identity are PGS0403 (pg_seq used twice).
            func pgName(_ x: ResolvedHost) -> String? {
                guard let cluster = x.string("pg_cluster"), let seq = x.string("pg_seq") else { return nil }
                return "\(cluster)-\(seq)"
            }
            if pgName(h) == name && pgName(other) == name { continue }
            c.sink.report(.haproxyNodenameClash,
                          "nodes \(other.name) and \(h.name) both run HAProxy as node '\(SafetyRules.printable(name))'",
                          at: c.range(for: h, "nodename"), path: "\(h.name).nodename",
                          notes: [DiagnosticNote("each registers /etc/nginx/conf.d/haproxy/upstream-\(SafetyRules.printable(name)).conf on the infra nodes; one would replace the other",
                                                at: c.range(for: other, "nodename"))])
        }
    }

    static let pathNote = "nginx paths must be absolute, without '..', blanks, quotes, ';', '{', '}', '#', '$' or '\\'"

    private func checkEntry(_ c: RuleContext, _ entry: YAMLNode, key: String, path: String) {
        func field(_ name: String) -> (YAMLNode, String)? {
            guard let v = entry.mapping?.last(where: { $0.key.keyName == name })?.value, let s = v.scalar, !v.isNull
            else { return nil }
            return (v, YAMLNode.describe(s.value))
        }
        // Entries without a domain get no server file; their certbot name and domains still reach
        // sign-cert. Entries with neither reach no file.
        let domainField = field("domain").flatMap { $0.1.isEmpty ? nil : $0 }
        let certbotField = field("certbot").flatMap { $0.1.isEmpty ? nil : $0 }
        guard domainField != nil || certbotField != nil else { return }
        if let (node, text) = certbotField, !SafeName.identifier.matches(text) {
            unsafe(c, "certbot '\(SafetyRules.printable(text))' of portal entry '\(key)' is not a safe file name", node,
                   "\(path).certbot", note: "it becomes a file name; it must match \(SafeName.identifier.patternText)")
        }
        if let (node, text) = domainField, !Self.isHostName(text) {
            unsafe(c, "domain '\(SafetyRules.printable(text))' of portal entry '\(key)' is not a host name", node, "\(path).domain",
                   note: "it becomes a server name, a certificate file name and a word of the certificate scripts")
        }
        for (i, item) in (entry["domains"]?.sequence ?? []).enumerated() {
            guard let s = item.scalar else { continue }
            let text = YAMLNode.describe(s.value)
            if !Self.isHostName(text) {
                unsafe(c, "domains entry '\(SafetyRules.printable(text))' of portal entry '\(key)' is not a host name", item,
                       "\(path).domains[\(i)]", note: "it becomes a server name and a word of the certificate scripts")
            }
        }
        guard domainField != nil else { return }
        if let (node, text) = field("endpoint") {
            let bare = text.replacingOccurrences(of: "${admin_ip}", with: "0.0.0.0")
            let ok = !bare.isEmpty && bare.unicodeScalars.allSatisfy {
                Self.isAlnum($0) || "._:[]/-".unicodeScalars.contains($0)
            }
            if !ok {
                unsafe(c, "endpoint '\(SafetyRules.printable(text))' of portal entry '\(key)' is not host:port", node, "\(path).endpoint",
                       note: "it becomes an nginx upstream server; write host:port, e.g. '${admin_ip}:8885'")
            }
        }
        if let (node, text) = field("log"), !text.isEmpty, !SafeName.identifier.matches(text) {
            unsafe(c, "log '\(SafetyRules.printable(text))' of portal entry '\(key)' is not a safe file name", node,
                   "\(path).log", note: "it becomes a file name; it must match \(SafeName.identifier.patternText)")
        }
        for name in ["cert", "key", "path"] {
            if let (node, text) = field(name), !Self.isNginxPath(text) {
                unsafe(c, "\(name) '\(SafetyRules.printable(text))' of portal entry '\(key)' cannot be written into nginx configuration",
                       node, "\(path).\(name)", note: Self.pathNote)
            }
        }
        if let (node, text) = field("realm"),
           text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\"" || $0 == "\\" }) {
            unsafe(c, "realm of portal entry '\(key)' contains a quote, a backslash or a control character", node, "\(path).realm",
                   note: "it is written as a quoted nginx string")
        }
        if let (node, text) = field("config"), !Self.bracesBalanced(text) {
            unsafe(c, "config of portal entry '\(key)' has unbalanced braces or quotes", node, "\(path).config",
                   note: "it is inserted into the entry's server block, which it would break")
        }
        if let (node, conf) = field("conf") {
            if !Self.builtinTemplates.contains(conf) {
                c.sink.report(.portalCustomTemplate,
                              "portal entry '\(key)' uses template '\(SafetyRules.printable(conf))', which pigstyc does not have; no nginx file is written for it",
                              at: node.range, path: "\(path).conf",
                              notes: [DiagnosticNote("pigstyc renders home.conf, path.conf and endpoint.conf; Pigsty would load roles/infra/templates/nginx/\(SafetyRules.printable(conf))")])
            } else if let needed = ["path.conf": "path", "endpoint.conf": "endpoint"][conf], field(needed) == nil {
                c.sink.report(.portalNoTarget,
                              "portal entry '\(key)' uses \(conf) but has no \(needed)",
                              at: node.range, path: "\(path).conf",
                              notes: [DiagnosticNote("Pigsty would write 'None' in its place")])
            }
        }
    }

    private func checkUsers(_ c: RuleContext, _ b: VarBinding) {
        for pair in b.value.mapping ?? [] {
            let name = pair.key.keyName ?? ""
            let badName = name.isEmpty || name.hasPrefix("#")
                || name.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == ":" }
            if badName {
                c.sink.report(.nginxUserInvalid,
                              "nginx_users name '\(SafetyRules.printable(name))' cannot be written to .htpasswd",
                              at: pair.key.range, path: "\(c.path(of: b)).\(name)",
                              notes: [DiagnosticNote("names must be non-empty, not start with '#', and contain no ':', blank or control character")])
            }
            // The password is never quoted in a message.
            let text = pair.value.scalar.map { YAMLNode.describe($0.value) }
            if pair.value.isNull || text == nil || text?.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) == true {
                c.sink.report(.nginxUserInvalid,
                              "the password of nginx_users '\(SafetyRules.printable(name))' is missing, not a scalar, or contains a line break or control character",
                              at: pair.key.range, path: "\(c.path(of: b)).\(name)",
                              notes: [DiagnosticNote("each user is one '<name>:{PLAIN}<password>' line of /etc/nginx/.htpasswd")])
            }
        }
    }

    private func unsafe(_ c: RuleContext, _ message: String, _ node: YAMLNode, _ path: String, note: String) {
        c.sink.report(.portalUnsafeValue, message, at: node.range, path: path, notes: [DiagnosticNote(note)])
    }

    static func isAlnum(_ u: Unicode.Scalar) -> Bool {
        (u.value >= 48 && u.value <= 57) || (u.value >= 65 && u.value <= 90) || (u.value >= 97 && u.value <= 122)
    }

    /// A DNS name (labels of letters, digits, '-', '_'; not starting with '-'), optionally `*.`-prefixed.
    /// Looser than `DNSMetricsRules.isHostLike` on purpose: nginx server names and certificate
    /// domains may be wildcards and may hold '_'; what matters here is one safe word per name.
    static func isHostName(_ s: String) -> Bool {
        let name = s.hasPrefix("*.") ? String(s.dropFirst(2)) : s
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.unicodeScalars.first, label.utf8.count <= 63, first != "-" else { return false }
            return label.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "_" }
        }
    }

    /// An absolute path that is one nginx word and one shell word inside double quotes.
    static func isNginxPath(_ s: String) -> Bool {
        SafeName.isSafePath(s) && !s.unicodeScalars.contains { $0.value <= 0x20 || "\"';{}#$\\".unicodeScalars.contains($0) }
    }

    /// Whether nginx text keeps its braces and quotes balanced (comments and quoted text skipped).
    static func bracesBalanced(_ s: String) -> Bool {
        var depth = 0
        var quote: Unicode.Scalar?
        var comment = false
        var escaped = false
        for u in s.unicodeScalars {
            if comment { if u == "\n" { comment = false }; continue }
            if let q = quote {
                if escaped { escaped = false } else if u == "\\" { escaped = true } else if u == q { quote = nil }
                continue
            }
            switch u {
            case "#": comment = true
            case "\"", "'": quote = u
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth < 0 { return false }
            default: break
            }
        }
        return depth == 0 && quote == nil
    }
}
