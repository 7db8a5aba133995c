extension YAMLNode {
    /// A one-line YAML flow rendering for messages and `explain` (`{name: meta, port: 5432}`),
    /// cut with `…` beyond `limit` characters.
    /// Values under mapping keys named in `masking` (passwords, secret keys) print as `********`.
    public func flowText(limit: Int = 160, masking: (String) -> Bool = { _ in false }) -> String {
        var out = ""
        write(into: &out, limit: limit, masking: masking)
        if out.count > limit { return String(out.prefix(limit - 1)) + "…" }
        return out
    }

    private func write(into out: inout String, limit: Int, masking: (String) -> Bool) {
        if out.count > limit { return }
        switch content {
        case .scalar(let s):
            out += YAMLNode.flowScalar(s)
        case .sequence(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(into: &out, limit: limit, masking: masking)
                if out.count > limit { return }
            }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += ", " }
                p.key.write(into: &out, limit: limit, masking: masking)
                out += ": "
                if let k = p.key.keyName, masking(k), !p.value.isNull {
                    out += "********"
                } else {
                    p.value.write(into: &out, limit: limit, masking: masking)
                }
                if out.count > limit { return }
            }
            out += "}"
        }
    }

    static func flowScalar(_ s: YAMLScalar) -> String {
        switch s.value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int, .bigInt, .float: return s.style == .plain ? s.text : describe(s.value)
        case .timestamp(let t): return t
        case .string(let str):
            // Quote when a plain rendering would read back as something else or break the line.
            let needsQuotes = str.isEmpty || ScalarResolver.resolvePlain(str) != .string(str)
                || str.contains(where: { ":#,[]{}&*!|>'\"%@`\n\t".contains($0) })
                || str.first == " " || str.last == " " || str.first == "-" || str.first == "?"
            guard needsQuotes else { return str }
            return Quoting.yamlDouble(str)
        }
    }
}
