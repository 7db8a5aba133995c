import PigstyInventory
import PigstyYAML

/// Ansible's dynamic-inventory JSON (what an inventory script prints for `--list` and `--host`),
/// from a parsed inventory of either source.
public enum AnsibleInventoryJSON {
    /// `--list`: every group (`all` first, then in order of first appearance) with its own
    /// `hosts`, `vars` and `children`, and `_meta.hostvars` with each host's own variables, so
    /// Ansible applies its precedence to the same definitions the YAML inventory holds.
    public static func list(_ inventory: Inventory) -> String {
        var groups: [(String, String)] = []
        for name in inventory.groupOrder {
            guard let g = inventory.group(name) else { continue }
            var fields: [(String, String)] = []
            if !g.hosts.isEmpty { fields.append(("hosts", "[" + g.hosts.map(Quoting.json).joined(separator: ", ") + "]")) }
            if !g.vars.isEmpty { fields.append(("vars", object(g.vars.all.map { ($0.name, ValueText.json($0.value)) }, indent: 4))) }
            if !g.children.isEmpty { fields.append(("children", "[" + g.children.map(Quoting.json).joined(separator: ", ") + "]")) }
            groups.append((name, object(fields, indent: 2)))
        }
        let hostvars = inventory.hosts.map { h in
            (h.name, object(h.vars.all.map { ($0.name, ValueText.json($0.value)) }, indent: 6))
        }
        let meta = object([("hostvars", object(hostvars, indent: 4))], indent: 2)
        return object([("_meta", meta)] + groups, indent: 0) + "\n"
    }

    /// `--host H`: the host's variables as the inventory resolves them (all.vars, then its groups
    /// by depth, priority and name, then its own), keys sorted; templates are left as written.
    public static func host(_ name: String, in resolved: ResolvedInventory) -> String? {
        guard let h = resolved.host(name) else { return nil }
        let fields = h.inventoryVariableNames.compactMap { key in h.rawBinding(key).map { (key, ValueText.json($0.value)) } }
        return object(fields, indent: 0) + "\n"
    }

    /// A JSON object, one member per line at `indent + 2` spaces (`{}` when empty).
    static func object(_ fields: [(String, String)], indent: Int) -> String {
        if fields.isEmpty { return "{}" }
        let pad = String(repeating: " ", count: indent + 2)
        return "{\n" + fields.map { pad + Quoting.json($0.0) + ": " + $0.1 }.joined(separator: ",\n")
            + "\n" + String(repeating: " ", count: indent) + "}"
    }
}
