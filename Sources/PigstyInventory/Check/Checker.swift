import PigstyDiagnostics
import PigstySchema
import PigstyYAML

public struct CheckOptions: Sendable {
    /// Unknown parameters are errors instead of warnings.
    public var strict: Bool
    /// The password for `!vault` values; without it they are errors (`PGS0313`).
    public var vault: VaultSecret?

    public init(strict: Bool = false, vault: VaultSecret? = nil) {
        self.strict = strict
        self.vault = vault
    }
}

/// check: runs every rule family over a resolved inventory and reports into the sink.
/// Rules read; they never change the inventory.
public struct InventoryChecker {
    let resolved: ResolvedInventory
    let sink: DiagnosticSink
    let options: CheckOptions

    public init(resolved: ResolvedInventory, sink: DiagnosticSink, options: CheckOptions = CheckOptions()) {
        self.resolved = resolved
        self.sink = sink
        self.options = options
    }

    public func run() {
        let context = RuleContext(resolved: resolved, sink: sink, options: options)
        let rules: [any InventoryRule] = [
            StructureRules(), ParameterRules(), ConsistencyRules(), PgsqlIdentityRules(), BusinessRules(), HBARules(),
            ServiceRules(), ModuleRules(), PortalRules(), DNSMetricsRules(), SafetyRules(), ConflictRules(),
            ConnectionRules(), BackupRules(), PgNodeRules(), ProvisionRules(),
        ]
        // Rules only read the inventory: they run side by side, each into its own sink, and their
        // diagnostics are reported in rule order (promotions apply when they reach `sink`).
        let found = concurrentMap(rules.count) { i in
            let own = DiagnosticSink()
            rules[i].check(context.reporting(to: own))
            return own.diagnostics
        }
        for diagnostics in found { for d in diagnostics { sink.report(d) } }
    }
}

/// One family of checks.
protocol InventoryRule {
    func check(_ context: RuleContext)
}

/// What rules share: the resolved inventory, the sink and an index of every definition.
struct RuleContext {
    let resolved: ResolvedInventory
    private(set) var sink: DiagnosticSink
    let options: CheckOptions
    /// Every variable definition written in the inventory: `all.vars`, group vars (in order of
    /// first appearance), then host vars (in host order).
    let allBindings: [VarBinding]
    private let byName: [String: [VarBinding]]
    /// Members of the `infra` and `etcd` groups (children included).
    let infraHosts: Set<String>
    let etcdHosts: Set<String>
    /// Listener lists shared by hosts alike (`listeners(of:)`), across rule families.
    let listenerMemo = NodePorts.Memo()

    init(resolved: ResolvedInventory, sink: DiagnosticSink, options: CheckOptions) {
        self.resolved = resolved
        self.sink = sink
        self.options = options
        var all: [VarBinding] = []
        let inventory = resolved.inventory
        for name in inventory.groupOrder { if let g = inventory.groups[name] { all.append(contentsOf: g.vars.all) } }
        for h in inventory.hosts { all.append(contentsOf: h.vars.all) }
        var byName: [String: [VarBinding]] = [:]
        for b in all { byName[b.name, default: []].append(b) }
        allBindings = all
        self.byName = byName
        infraHosts = Set(inventory.hosts(inGroup: "infra"))
        etcdHosts = Set(inventory.hosts(inGroup: "etcd"))
    }

    /// The same context, reporting into `other`.
    func reporting(to other: DiagnosticSink) -> RuleContext {
        var copy = self
        copy.sink = other
        return copy
    }

    var inventory: Inventory { resolved.inventory }
    var schema: Schema { resolved.schema }

    /// Definitions of one variable, wherever written, in `allBindings` order.
    func bindings(of name: String) -> [VarBinding] { byName[name] ?? [] }

    /// A key path naming a definition, e.g. `pg-meta.vars.pg_users` or `10.10.10.10.pg_seq`.
    func path(of b: VarBinding) -> String {
        switch b.origin {
        case .roleDefault: return "defaults.\(b.name)"
        case .allVars: return "all.vars.\(b.name)"
        case .group(let g): return "\(g).vars.\(b.name)"
        case .host(let h): return "\(h).\(b.name)"
        }
    }

    /// Where to point for a host-level problem about `name`: its winning definition, else the host key.
    func range(for host: ResolvedHost, _ name: String) -> SourceRange {
        host.binding(name).map { $0.value.range } ?? host.host.firstSeen
    }

    /// Where to point for "host X of this cluster lacks …": the host's listing in the group that
    /// makes it a member (by the identity variable), else its first listing.
    func memberAnchor(_ h: ResolvedHost, identity: String) -> SourceRange {
        switch h.binding(identity)?.origin {
        case .group(let g)?:
            if let group = inventory.groups[g] { return occurrence(of: h.host, in: group) }
        case .host?:
            return h.binding(identity)?.key?.range ?? h.host.firstSeen
        default: break
        }
        return h.host.firstSeen
    }

    /// Where a host is listed inside a group's definition (else where it is first listed).
    func occurrence(of h: Host, in g: Group) -> SourceRange {
        h.occurrences.first { occ in g.definitions.contains { $0.start <= occ.start && occ.start <= $0.end } } ?? h.firstSeen
    }

    func note(_ message: String, _ b: VarBinding?) -> DiagnosticNote {
        DiagnosticNote(message, at: b?.key?.range ?? b?.value.range)
    }
}
