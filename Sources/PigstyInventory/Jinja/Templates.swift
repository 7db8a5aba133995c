import Foundation
import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Evaluation after resolve: every inventory value that holds Jinja markup or a `!vault` secret is
/// replaced, per host, by its value, so that check, explain and lowering see what Ansible would.
/// Errors are reported at the template and leave the value as written.
final class TemplateEngine {
    /// Variables Pigsty sets on the node from its OS (roles/node_id/vars) or that are facts: a
    /// template reading them is left as written (Ansible evaluates it on the node).
    static let runtimeVariables: Set<String> = [
        "infra_packages_default", "node_packages_default", "node_tuned_profile_dir", "package_map", "pg_home_map",
        "repo_extra_packages_default", "repo_packages_default", "repo_upstream_default", "syslog_path",
    ]
    /// Variables evaluated inside one another (across hosts too) before it is a recursion error.
    static let maxDepth = 32

    let inventory: Inventory
    let schema: Schema
    let hosts: [ResolvedHost]
    let sink: DiagnosticSink
    let vault: VaultSecret?
    private var scopes: [Int: HostScope] = [:]
    private var markup: [ObjectIdentifier: Bool] = [:]
    private var decrypted: [ObjectIdentifier: Result<String, TemplateError>] = [:]
    private var reported: Set<String> = []
    var depth = 0
    /// Plaintexts of `!vault` values: secrets.
    private(set) var secrets: Set<String> = []

    init(inventory: Inventory, schema: Schema, hosts: [ResolvedHost], sink: DiagnosticSink, vault: VaultSecret?) {
        self.inventory = inventory
        self.schema = schema
        self.hosts = hosts
        self.sink = sink
        self.vault = vault
    }

    /// Evaluates the hosts' values in place; returns the plaintexts of the vault secrets.
    static func evaluate(_ inventory: Inventory, schema: Schema, hosts: [ResolvedHost], sink: DiagnosticSink,
                         vault: VaultSecret?) -> Set<String> {
        let engine = TemplateEngine(inventory: inventory, schema: schema, hosts: hosts, sink: sink, vault: vault)
        // Only names that hold markup somewhere can need evaluation: each group's are found once
        // (groups are shared by many hosts), then each host looks up just those.
        var groupNames: [ObjectIdentifier: [String]] = [:]
        for h in hosts {
            var names = Set(engine.templated(h.host.vars))
            for g in h.groups {
                let id = ObjectIdentifier(g)
                if let known = groupNames[id] { names.formUnion(known); continue }
                let found = engine.templated(g.vars)
                groupNames[id] = found
                names.formUnion(found)
            }
            guard !names.isEmpty else { continue }
            let scope = engine.scope(h.index)
            for name in names.sorted() {
                guard let b = h.rawBinding(name), engine.needsWork(b.value) else { continue }
                _ = try? scope.variable(name)
            }
        }
        return engine.secrets
    }

    /// The names in a table whose value holds markup or a vault secret.
    func templated(_ table: VarTable) -> [String] {
        table.order.filter { table.bindings[$0].map { needsWork($0.value) } ?? false }
    }

    func scope(_ index: Int) -> HostScope {
        if let s = scopes[index] { return s }
        let s = HostScope(engine: self, host: hosts[index])
        scopes[index] = s
        return s
    }

    /// Whether a value holds markup or a vault secret anywhere (remembered per node).
    func needsWork(_ node: YAMLNode) -> Bool {
        // A scalar is cheaper to scan than to look up; collections are remembered.
        if case .scalar(let s) = node.content {
            if node.tag == "!vault" { return true }
            if node.tag == "!unsafe" { return false }
            if case .string(let t) = s.value { return TemplateLexer.isTemplate(t) }
            return false
        }
        let id = ObjectIdentifier(node)
        if let m = markup[id] { return m }
        let m: Bool
        switch node.content {
        case .scalar: m = false
        case .sequence(let items): m = items.contains { needsWork($0) }
        case .mapping(let pairs): m = pairs.contains { needsWork($0.value) }
        }
        markup[id] = m
        return m
    }

    /// Whether a value holds a `!vault` secret anywhere.
    func hasVault(_ node: YAMLNode) -> Bool {
        if node.tag == "!vault" { return true }
        switch node.content {
        case .scalar: return false
        case .sequence(let items): return items.contains { hasVault($0) }
        case .mapping(let pairs): return pairs.contains { hasVault($0.value) }
        }
    }

    /// A value with its templates evaluated and vault secrets decrypted.
    func evaluate(_ node: YAMLNode, in scope: HostScope) throws -> YAMLNode {
        guard needsWork(node) else { return node }
        switch node.content {
        case .scalar(let s):
            if node.tag == "!vault" {
                return YAMLNode(content: .scalar(YAMLScalar(text: try decrypt(node), style: .literal, value: .string(try decrypt(node)))),
                                range: node.range)
            }
            guard case .string(let t) = s.value else { return node }
            let parts = try TemplateLexer.split(t)
            return try ExpressionEvaluator(scope: scope, range: node.range).render(parts)
        case .sequence(let items):
            return YAMLNode(content: .sequence(try items.map { try evaluate($0, in: scope) }), range: node.range, tag: node.tag)
        case .mapping(let pairs):
            return YAMLNode(content: .mapping(try pairs.map { YAMLPair(key: $0.key, value: try evaluate($0.value, in: scope)) }),
                            range: node.range, tag: node.tag)
        }
    }

    private func decrypt(_ node: YAMLNode) throws -> String {
        let id = ObjectIdentifier(node)
        if let r = decrypted[id] { return try r.get() }
        let r: Result<String, TemplateError>
        if let vault {
            do {
                let plain = try AnsibleVault.decrypt(node.scalar?.text ?? "", secret: vault)
                secrets.insert(plain)
                r = .success(plain)
            } catch let e as AnsibleVault.Failure {
                r = .failure(TemplateError(e.message, code: .vaultDecrypt))
            }
        } else {
            r = .failure(TemplateError("this !vault value needs a vault password: pass --vault-password-file FILE "
                + "or set ANSIBLE_VAULT_PASSWORD_FILE", code: .vaultNoPassword))
        }
        decrypted[id] = r
        return try r.get()
    }

    func report(_ e: TemplateError, binding b: VarBinding) {
        guard !e.quiet else { return }
        let code: DiagnosticCode = e.code ?? (e.recursion ? .templateRecursion : .templateError)
        let key = "\(b.value.range.file):\(b.value.range.start.offset):\(code.rawValue):\(e.message)"
        guard reported.insert(key).inserted else { return }
        sink.report(code, "'\(b.name)': \(e.message)", at: b.value.range, path: Self.path(of: b))
    }

    static func path(of b: VarBinding) -> String {
        switch b.origin {
        case .roleDefault: return "defaults.\(b.name)"
        case .allVars: return "all.vars.\(b.name)"
        case .group(let g): return "\(g).vars.\(b.name)"
        case .host(let h): return "\(h).\(b.name)"
        }
    }
}

/// One host's variables during evaluation: each evaluated once, cycles detected.
final class HostScope: TemplateScope {
    private enum State { case done(YAMLNode?), failed, deferred(String), running }
    unowned let engine: TemplateEngine
    let host: ResolvedHost
    private var state: [String: State] = [:]
    private var stack: [String] = []

    init(engine: TemplateEngine, host: ResolvedHost) {
        self.engine = engine
        self.host = host
    }

    var hostname: String { host.name }

    func variable(_ name: String) throws -> YAMLNode? {
        switch state[name] {
        case .done(let v)?: return v
        case .failed?: throw TemplateError("'\(name)' could not be evaluated", quiet: true)
        case .deferred(let v)?: throw TemplateDeferred(variable: v)
        case .running?:
            let cycle = (stack.drop { $0 != name } + [name]).joined(separator: " -> ")
            throw TemplateError("templates refer to each other in a cycle: \(cycle)", recursion: true)
        case nil: break
        }
        guard let b = host.rawBinding(name) else {
            if let d = engine.schema.defaultValue(name) { return d }
            if TemplateEngine.runtimeVariables.contains(name) || name.hasPrefix("ansible_") { throw TemplateDeferred(variable: name) }
            return nil
        }
        guard engine.needsWork(b.value) else { return b.value }
        guard engine.depth < TemplateEngine.maxDepth else {
            throw TemplateError("templates nest more than \(TemplateEngine.maxDepth) variables deep (at '\(name)')", recursion: true)
        }
        state[name] = .running
        stack.append(name)
        engine.depth += 1
        defer { engine.depth -= 1; stack.removeLast() }
        do {
            let v = try engine.evaluate(b.value, in: self)
            state[name] = .done(v)
            host.evaluated[name] = VarBinding(name: name, key: b.key, value: v, origin: b.origin, fromVault: engine.hasVault(b.value))
            return v
        } catch let d as TemplateDeferred {
            state[name] = .deferred(d.variable)
            throw d
        } catch let e as TemplateError {
            state[name] = .failed
            engine.report(e, binding: b)
            throw TemplateError(e.message, quiet: true)
        }
    }

    func hostVariable(_ other: String, _ name: String) throws -> YAMLNode? {
        guard let h = engine.inventory.hostIndex[other].map({ engine.hosts[$0] }) else { throw TemplateError("hostvars[\(Jinja.reprString(other))]: no such host in the inventory") }
        if name == "inventory_hostname" { return YAMLNode(scalar: .string(h.name), range: host.host.firstSeen) }
        return try engine.scope(h.index).variable(name)
    }

    func groupsNode(at range: SourceRange) -> YAMLNode {
        let inv = engine.inventory
        let pairs = inv.groupOrder.map { g in
            YAMLPair(key: YAMLNode(scalar: .string(g), range: range),
                     value: YAMLNode(content: .sequence(inv.hosts(inGroup: g).map { YAMLNode(scalar: .string($0), range: range) }), range: range))
        }
        return YAMLNode(content: .mapping(pairs), range: range)
    }
}
