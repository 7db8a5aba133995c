import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// A small JMESPath evaluator: enough for Pigsty's service `selector` / `backup` expressions.
///
/// Supported: identifiers (bare and `"quoted"`), sub-expressions `a.b`, `@`, index `[n]`,
/// flatten `[]`, wildcard `[*]`, filters `[? cond]` (all three as projections), pipes `|`,
/// `||`, `&&`, `!`, parentheses, comparisons `== != < <= > >=`, JSON literals in backticks
/// (with jmespath.py's legacy rule that non-JSON text is a string: `` `primary` ``), raw strings
/// `'x'`, and the functions `contains`, `starts_with`, `ends_with`, `length`, `not_null`.
/// Multi-select lists/hashes, slices, object wildcards and expression references are reported as
/// unsupported parse errors. Evaluation never fails: a type mismatch yields null.
public enum JMESPath {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let message: String
        /// Character offset in the expression (0-based).
        public let offset: Int
        public var description: String { "\(message) at column \(offset + 1)" }
        public init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }
    }

    public enum Comparator: String, Sendable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    }

    /// A parsed expression.
    public indirect enum Expr: Sendable {
        case current
        case field(String)
        case literal(JSONValue)
        case subexpression(Expr, Expr)
        case index(Int)
        case flatten(Expr)
        /// Evaluate the left side to a list, apply the right side to each element, drop nulls.
        case projection(Expr, Expr)
        /// As `projection`, keeping only elements for which the condition is truthy.
        case filterProjection(Expr, condition: Expr, Expr)
        case pipe(Expr, Expr)
        case or(Expr, Expr)
        case and(Expr, Expr)
        case not(Expr)
        case compare(Comparator, Expr, Expr)
        case function(String, [Expr])

        public func search(_ value: JSONValue) -> JSONValue { JMESPath.evaluate(self, value) }
    }

    /// Parses an expression; throws `ParseError` describing the first problem.
    public static func parse(_ text: String) throws -> Expr {
        var lexer = Lexer(text)
        var parser = Parser(tokens: try lexer.tokenize())
        return try parser.parseTop()
    }

    // MARK: - Hosts

    /// A host as `hostvars[h]` shows it to a query: its inventory variables (role defaults are not
    /// part of hostvars), `inventory_hostname`, and the identity facts Pigsty's pg_id role sets.
    public static func hostValue(_ h: ResolvedHost) -> JSONValue {
        var converted: [ObjectIdentifier: JSONValue] = [:]
        return hostValue(h, converted: &converted)
    }

    /// `hostValue` for hosts that share group variables: `converted` keeps each YAML value's
    /// JSON by identity, so a cluster's lists are converted once, not once per member.
    public static func hostValue(_ h: ResolvedHost, converted: inout [ObjectIdentifier: JSONValue]) -> JSONValue {
        var o: [String: JSONValue] = [:]
        for name in h.inventoryVariableNames {
            guard let b = h.binding(name) else { continue }
            let id = ObjectIdentifier(b.value)
            if let known = converted[id] {
                o[name] = known
            } else {
                let value = JSONValue(yaml: b.value)
                converted[id] = value
                o[name] = value
            }
        }
        o["inventory_hostname"] = .string(h.name)
        if let cluster = h.binding("pg_cluster")?.value, !cluster.isNull {
            let c = JSONValue(yaml: cluster)
            if let ins = h.pgInstance { o["pg_instance"] = .string(ins) }
            if let svc = h.pgService { o["pg_service"] = .string(svc) }
            o["pg_is_primary"] = .bool(h.binding("pg_role")?.value.string == "primary")
            if o["pg_shard"] == nil { o["pg_shard"] = c }
            o["pg_group"] = .int(h.int("pg_group") ?? 0)
        }
        return .object(o)
    }

    /// The hosts an expression selects from `hosts` (given in inventory order), in result order.
    /// Results that are not host objects (projected fields, literals) select nothing.
    public static func select(_ expr: Expr, from hosts: [ResolvedHost]) -> [ResolvedHost] {
        select(expr, from: hosts, values: hosts.map(hostValue))
    }

    /// `select` with the hosts' query values already built (`values[i]` is `hostValue(hosts[i])`).
    public static func select(_ expr: Expr, from hosts: [ResolvedHost], values: [JSONValue]) -> [ResolvedHost] {
        let byName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func host(_ v: JSONValue) -> ResolvedHost? {
            if case .string(let n) = v["inventory_hostname"] { return byName[n] }
            return nil
        }
        switch expr.search(.array(values)) {
        case .array(let items): return items.compactMap(host)
        case let single: return host(single).map { [$0] } ?? []
        }
    }
}

extension JMESPath.Expr {
    /// The hosts this expression selects (see `JMESPath.select`).
    public func select(_ hosts: [ResolvedHost]) -> [ResolvedHost] { JMESPath.select(self, from: hosts) }
}
