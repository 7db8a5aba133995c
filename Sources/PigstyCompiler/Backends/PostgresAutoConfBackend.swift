import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// postgresql.auto.conf: `/pg/data/postgresql.auto.conf` on every pg instance with `patroni_enabled`,
/// holding `pg_parameters` in inventory order. Pigsty overwrites the whole file (tasks `pg_primary`
/// and `pg_param`), so ALTER SYSTEM changes do not survive a run.
struct PostgresAutoConfBackend: Backend {
    let name = "postgresql.auto.conf"

    /// Parameters whose values are lists of identifiers: written without surrounding quotes.
    static let listParameters: Set<String> = [
        "search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries",
        "log_destination", "shared_preload_libraries", "unix_socket_directories", "debug_io_direct",
    ]

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgInstances {
            let h = ins.host
            guard PgbouncerJinja.truthy(h.value("patroni_enabled"), default: true) else { continue }
            var out = Header.hash("PostgreSQL parameters (pg_parameters)", node: ins.ip, inventory: graph.inventoryName)
            out += Self.lines(h.value("pg_parameters"))
            tree.add(GeneratedFile(path: "/pg/data/postgresql.auto.conf", content: out,
                                   owner: h.string("pg_dbsu") ?? "postgres", group: "postgres", mode: 0o600,
                                   producer: "\(name):\(ins.name)"), on: ins.ip)
        }
    }

    /// `key = value` lines: list parameters bare, everything else in single quotes. Values are
    /// rendered as Python's `str()` shows them (`on` → `True`), quotes inside are not escaped.
    static func lines(_ parameters: YAMLNode?) -> String {
        guard let pairs = parameters?.mapping else { return "" }
        var out = ""
        for p in pairs {
            let key = PgbouncerJinja.str(p.key)
            let value = PgbouncerJinja.str(p.value)
            out += listParameters.contains(key) ? "\(key) = \(value)\n" : "\(key) = '\(value)'\n"
        }
        return out
    }
}

/// How Ansible's Jinja prints inventory values: `{{ x }}` and `|string` give Python's `str()`,
/// containers show their items' `repr()`; `|bool` is Ansible's lenient boolean.
enum PgbouncerJinja {
    /// Python `str()` of a YAML value.
    static func str(_ node: YAMLNode?) -> String {
        guard let node else { return "None" }
        if let v = node.value { return YAMLNode.describe(v) }
        return repr(node)
    }

    /// Python `repr()` of a YAML value (what a list or dict shows for its items).
    static func repr(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .string(let text): return reprString(text)
            case .timestamp(let text): return reprString(text)
            default: return YAMLNode.describe(s.value)
            }
        case .sequence(let items):
            return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\(repr($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// Python's string repr: single quotes unless the text has a `'` and no `"`.
    static func reprString(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote {
                    out += "\\" + String(quote)
                } else if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + hex(u.value, width: 2)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append(quote)
        return out
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// Ansible's `|bool`: true for a true boolean or the text yes/on/1/true (any case);
    /// `fallback` when the variable is undefined.
    static func truthy(_ node: YAMLNode?, default fallback: Bool) -> Bool {
        guard let node else { return fallback }
        if let b = node.bool { return b }
        guard let v = node.value else { return false }
        if case .float(let d) = v { return d == 1 }
        return ["yes", "on", "1", "true"].contains(YAMLNode.describe(v).lowercased())
    }

    /// `"%-27s" | format(x)`: left-justified to `width` code points.
    static func pad(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }
}
