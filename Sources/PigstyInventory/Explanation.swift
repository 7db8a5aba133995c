import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// The text of `pigstyc explain`: a parameter's schema, its effective value(s) and the chain of
/// definitions that produced them, with positions. Secrets are masked.
public struct Explanation {
    public struct Problem: Error { public let message: String }

    /// The inventory whose values are explained; without one only the schema part is printed.
    let resolved: ResolvedInventory?
    let schema: Schema

    public init(resolved: ResolvedInventory) {
        self.resolved = resolved
        schema = resolved.schema
    }

    /// An explanation of the schema alone (`pigstyc explain PARAM` without an inventory).
    public init(schema: Schema = .pigsty) {
        resolved = nil
        self.schema = schema
    }

    /// Facts Pigsty derives from identities, explained by their formula.
    static let derived: [String: String] = [
        "pg_instance": "<pg_cluster>-<pg_seq>",
        "pg_service": "<pg_cluster>-<pg_role>",
        "pg_cluster_members": "string-sorted IPs of every host with the same pg_cluster",
        "pg_primary_ip": "IP of the cluster's only primary ('unknown' unless exactly one)",
        "pg_primary_ins": "<pg_cluster>-<pg_seq of the primary>",
        "pg_primary_seq": "pg_seq of the cluster's primary",
        "pg_cluster_size": "number of distinct member IPs",
        "pg_seq_next": "max(pg_seq) + 1",
        "nodename": "<pg_cluster>-<pg_seq> when node_id_from_pg, else the nodename variable, else the hostname",
        "node_cluster": "pg_cluster when node_id_from_pg and node_cluster is unset or 'nodes'",
    ]

    public func explain(_ name: String, host hostName: String?) throws -> String {
        var host: ResolvedHost?
        if let hostName {
            guard let resolved else { throw Problem(message: "--host needs an inventory") }
            guard let h = resolved.host(hostName) else {
                let guess = Suggest.closest(to: hostName, among: resolved.hosts.map(\.name))
                throw Problem(message: "no host '\(hostName)' in the inventory" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
            }
            host = h
        }
        let spec = schema.parameter(name)
        if spec == nil, Self.derived[name] == nil, !(resolved?.hosts.contains(where: { $0.binding(name) != nil }) ?? false) {
            let guess = Suggest.closest(to: name, among: schema.parameters.map(\.name) + Self.derived.keys.sorted())
            throw Problem(message: "unknown parameter '\(name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
        }
        var out = ""
        if let spec {
            out += "\(spec.name)  (\(spec.module) / \(spec.section), type \(spec.type), level \(spec.levelText))\n"
            out += "  \(spec.description)\n"
            if let values = spec.values { out += "  allowed: \(values.joined(separator: ", "))\n" }
            if let d = spec.defaultValue {
                out += "  default: \(render(d, secret: spec.isSecret))\n"
            } else {
                out += spec.required ? "  default: none (identity parameter, required)\n" : "  default: none (optional)\n"
            }
        } else if let formula = Self.derived[name] {
            out += "\(name)  (derived fact)\n  = \(formula)\n"
        } else {
            out += "\(name)  (not a Pigsty parameter: a custom variable)\n"
        }
        // As check does: a custom variable whose name looks like a secret (`my_password`) is one.
        let secret = (spec?.isSecret ?? false) || Schema.passwordDicts.contains(name) || (spec == nil && schema.isSecretVariable(name))
        guard let resolved else { return out }
        if let host {
            out += "\non host \(host.name):\n"
            out += explainHost(name, host, secret: secret)
        } else if Self.derived[name] != nil {
            out += "\nvalues:\n"
            for h in resolved.hosts { out += "  \(h.name): \(derivedValue(name, h) ?? "(not applicable)")\n" }
        } else {
            out += "\ndefinitions in \(resolved.inventory.file.path):\n"
            var any = false
            for g in resolved.inventory.groupOrder {
                if let b = resolved.inventory.groups[g]?.vars[name] { out += line(b, secret: secret); any = true }
            }
            for h in resolved.inventory.hosts {
                if let b = h.vars[name] { out += line(b, secret: secret); any = true }
            }
            if !any { out += "  (none: every host uses the default)\n" }
        }
        return out
    }

    private func explainHost(_ name: String, _ host: ResolvedHost, secret: Bool) -> String {
        if Self.derived[name] != nil {
            return "  value: \(derivedValue(name, host) ?? "(not applicable: missing identity)")\n"
        }
        let chain = host.chain(name)
        guard let winner = chain.last else { return "  value: (undefined)\n" }
        let effective = host.binding(name) ?? winner
        var out = "  value: \(render(effective.value, secret: secret || effective.fromVault))  (from \(winner.origin))\n"
        if effective.value !== winner.value {
            out += "  (evaluated from \(effective.fromVault ? "a !vault secret" : "the template written below"))\n"
        }
        out += "  precedence, lowest first:\n"
        for (i, b) in chain.enumerated() {
            out += "    " + describe(b, secret: secret || b.value.tag == "!vault") + (i == chain.count - 1 ? "   <- in effect" : "") + "\n"
        }
        return out
    }

    private func line(_ b: VarBinding, secret: Bool) -> String { "  " + describe(b, secret: secret) + "\n" }

    private func describe(_ b: VarBinding, secret: Bool) -> String {
        let origin = b.origin.description
        // An inventory read from PostgreSQL names the row and key (pigsty.group_var(pg-test).pg_version).
        let labels = resolved?.inventory.file.lineLabels ?? [:]
        let pos = b.key.map { k in labels[k.range.start.line] ?? "\(k.range.file):\(k.range.start.line):\(k.range.start.column)" } ?? "(schema)"
        return "\(origin.padding(30)) \(pos.padding(24)) \(render(b.value, secret: secret))"
    }

    private func render(_ node: YAMLNode, secret: Bool) -> String {
        node.safeText(schema, secret: secret)
    }

    private func derivedValue(_ name: String, _ h: ResolvedHost) -> String? {
        let cluster = h.string("pg_cluster").flatMap { resolved?.pgCluster($0) }
        switch name {
        case "pg_instance": return h.pgInstance
        case "pg_service": return h.pgService
        case "nodename": return h.nodename ?? "(the host's current hostname, known at run time)"
        case "node_cluster": return h.nodeCluster
        case "pg_cluster_members": return cluster.map { "[" + $0.sortedIPs.joined(separator: ", ") + "]" }
        case "pg_primary_ip": return cluster?.primaryIP
        case "pg_primary_ins": return cluster?.primaryInstance
        case "pg_primary_seq": return cluster?.primarySeq
        case "pg_cluster_size": return cluster.map { String($0.size) }
        case "pg_seq_next": return cluster.map { String($0.seqNext) }
        default: return nil
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
