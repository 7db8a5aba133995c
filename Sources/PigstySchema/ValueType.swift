/// What a Pigsty type word means for checking, resolved together with `items`, `entries` and
/// `record`.
indirect enum ValueType: Equatable {
    case bool
    case int
    case port
    case float
    /// A string-like scalar; the payload is the type word (`path`, `username`, …).
    case text(String)
    case ip
    case cidr4
    case enumeration
    case any
    case list(ValueType)
    /// A mapping of names to values of the entry type (nil: anything).
    case dict(ValueType?)
    case record(String)
    /// A record, or a plain string naming the thing (extension lists: `[postgis, {name: x}]`).
    case recordOrText(String)

    /// Type words that stand for a string-like scalar.
    static let textWords: Set<String> = [
        "string", "path", "username", "url", "mail", "interval", "size", "pgurl", "ip(s)", "password",
        "int|string", "string|int", "cidr", "arg",
    ]
    /// Element words of `X[]` lists that name structured items (checked through `items` when given).
    static let structuredWords: Set<String> = [
        "user", "database", "service", "hba", "upstream", "bucket", "master", "role", "extension", "any",
        "schema", "server",
    ]

    static func scalar(_ word: String) -> ValueType? {
        switch word {
        case "bool": return .bool
        case "int": return .int
        case "port": return .port
        case "float": return .float
        case "ip": return .ip
        case "cidr4": return .cidr4
        case "enum": return .enumeration
        case "any": return .any
        default: return textWords.contains(word) ? .text(word) : nil
        }
    }

    /// Resolves a spec's type; unknown words and dangling references resolve to `.any` (the load
    /// diagnostics report them).
    static func resolve(type: String, items: String?, entries: String?, record: String?,
                        records: (String) -> Bool) -> ValueType {
        if type.hasSuffix("[]") {
            let base = String(type.dropLast(2))
            if let items {
                if records(items) { return .list(base == "extension" ? .recordOrText(items) : .record(items)) }
                return .list(scalar(items) ?? .any)
            }
            if let s = scalar(base) {
                // ip[] and enum[] items are kept as plain strings.
                switch s {
                case .ip, .enumeration: return .list(.text("string"))
                default: return .list(s)
                }
            }
            return .list(.any)
        }
        switch type {
        case "dict":
            guard let entries else { return .dict(nil) }
            if records(entries) { return .dict(.record(entries)) }
            return .dict(scalar(entries) ?? .any)
        case "record":
            if let record, records(record) { return .record(record) }
            return .any
        default:
            return scalar(type) ?? .any
        }
    }

    /// Problems with a spec's type words and references.
    static func problems(type: String, items: String?, entries: String?, record: String?,
                         records: Set<String>) -> [String] {
        var out: [String] = []
        guard !type.isEmpty else { return out }
        if type.hasSuffix("[]") {
            let base = String(type.dropLast(2))
            if base.isEmpty || (items == nil && scalar(base) == nil && !structuredWords.contains(base)) {
                out.append("unknown list type '\(type)' (give 'items' to say what its items are)")
            }
            if let items, !records.contains(items), scalar(items) == nil {
                out.append("'items' names '\(items)', which is neither a record nor a type")
            }
        } else {
            if items != nil { out.append("'items' is only for list types (X[])") }
            if type == "dict" {
                if let entries, !records.contains(entries), scalar(entries) == nil {
                    out.append("'entries' names '\(entries)', which is neither a record nor a type")
                }
            } else if type == "record" {
                if let record {
                    if !records.contains(record) { out.append("'record' names '\(record)', which is not a record") }
                } else {
                    out.append("type 'record' needs 'record: <name>'")
                }
            } else if scalar(type) == nil {
                out.append("unknown type '\(type)'")
            }
        }
        if entries != nil, type != "dict" { out.append("'entries' is only for type dict") }
        if record != nil, type != "record" { out.append("'record' is only for type record") }
        return out
    }

    /// How the expected value is named in messages ("expects a port number (0–65535)").
    var expectation: String {
        switch self {
        case .bool: return "a boolean (true or false)"
        case .int: return "an integer"
        case .port: return "a port number (0–65535)"
        case .float: return "a number"
        case .text(let word):
            switch word {
            case "path": return "a path (string)"
            case "username": return "a user name (string)"
            case "url", "pgurl": return "a URL (string)"
            case "mail": return "an email address (string)"
            case "interval": return "an interval such as '1d' (string)"
            case "size": return "a size such as '1GB' (string)"
            case "ip(s)": return "an IP address or a list of them (string)"
            case "password": return "a password (string)"
            case "int|string", "string|int": return "a string or an integer"
            case "cidr": return "a CIDR block (string)"
            default: return "a string"
            }
        case .ip: return "an IPv4 address"
        case .cidr4: return "an IPv4 CIDR block such as '10.10.10.0/24'"
        case .enumeration: return "one of its allowed values"
        case .any: return "any value"
        case .list: return "a list"
        case .dict: return "a mapping"
        case .record(let name): return "a mapping (\(name))"
        case .recordOrText(let name): return "a name or a mapping (\(name))"
        }
    }
}
