import Foundation
import PigstySchema
import PigstyYAML

extension Schema {
    /// Names under which a secret can appear inside a value: record fields typed `password` and
    /// password parameters (which can be nested in free-form dicts). Messages and `explain` mask them.
    public var secretNames: Set<String> { Self.secretNameCache.value(for: self) }

    fileprivate func computeSecretNames() -> Set<String> {
        var names = Set(parameters.filter(\.isSecret).map(\.name))
        for record in records.values { for f in record.fields where f.isSecret { names.insert(f.name) } }
        return names
    }
}

extension Schema {
    /// Parameters that are dicts of `name: password` (`nginx_users`): every value is a secret,
    /// whatever its key is called.
    public static let passwordDicts: Set<String> = ["nginx_users"]

    /// Whether a mapping key may hold a secret: a known secret name, or a name that looks like one
    /// (a misspelled `pasword` is still a password).
    public func isSecretKey(_ name: String) -> Bool {
        if secretNames.contains(name) { return true }
        let n = name.lowercased()
        if ["pass", "pwd", "secret", "token", "credential", "private"].contains(where: { n.contains($0) }) { return true }
        // A misspelled secret name (`pasword`, `patroni_pasword`) still holds a secret.
        return Suggest.closest(to: name, among: secretNames.sorted()) != nil
    }

    /// Whether a variable (an inventory binding, not a key nested in a value) holds a secret:
    /// `isSecretKey`, or an unknown name with a secret-looking part (`patroni_pw`, `api_key`).
    public func isSecretVariable(_ name: String) -> Bool {
        if isSecretKey(name) { return true }
        guard parameter(name) == nil else { return false }
        let parts = name.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." })
        return parts.contains { Self.secretParts.contains(String($0)) }
    }

    /// Name parts that mark an unknown key as holding a secret.
    static let secretParts: Set<String> = ["pw", "pwd", "passwd", "passphrase", "key", "apikey", "cred", "creds", "secret", "token"]
}

extension YAMLNode {
    /// A one-line rendering safe to print: secrets masked.
    func safeText(_ schema: Schema, secret: Bool = false, limit: Int = 100) -> String {
        if secret, !isNull { return "********" }
        return SecretRedactor.maskingURLPasswords(flowText(limit: limit, masking: schema.isSecretKey))
    }
}

/// Secret names per schema, computed once.
private final class SecretNameCache: @unchecked Sendable {
    private var cache: [ObjectIdentifier: Set<String>] = [:]
    private let lock = NSLock()

    func value(for schema: Schema) -> Set<String> {
        lock.lock()
        defer { lock.unlock() }
        if let v = cache[ObjectIdentifier(schema)] { return v }
        let v = schema.computeSecretNames()
        cache[ObjectIdentifier(schema)] = v
        return v
    }
}

extension Schema {
    fileprivate static let secretNameCache = SecretNameCache()
}

/// Finds the secret values of an inventory: values of password parameters, and values under
/// secret-looking keys anywhere inside other values.
public enum SecretRedactor {
    /// `scheme://user:PASSWORD@host` → `scheme://user:********@host`, for every URL in `text`
    /// (`grafana_pgurl`, exporter URLs).
    public static func maskingURLPasswords(_ text: String) -> String {
        guard ByteSearch.contains(text, "://") else { return text }
        var out = ""
        var rest = text[...]
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            // The authority ends at the first `/`, `?`, `#`, quote or blank; its userinfo at the last `@`.
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0.isWhitespace || $0 == "\"" || $0 == "'" } ?? rest.endIndex
            let authority = rest[..<end]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out += authority[...colon] + "********" + authority[at...]
            } else {
                out += authority
            }
            rest = rest[end...]
        }
        return out + rest
    }

    /// Calls `found` with every node that holds a secret (a scalar or a whole container).
    static func forEachSecret(_ inventory: Inventory, schema: Schema, _ found: (YAMLNode) -> Void) {
        var known: [String: Bool] = [:]
        func isSecret(_ key: String) -> Bool {
            if let v = known[key] { return v }
            let v = schema.isSecretKey(key)
            known[key] = v
            return v
        }
        func walk(_ node: YAMLNode) {
            switch node.content {
            case .scalar: return
            case .sequence(let items): items.forEach(walk)
            case .mapping(let pairs):
                for p in pairs {
                    if let k = p.key.keyName, isSecret(k) { hide(p.value) } else { walk(p.value) }
                }
            }
        }
        func hide(_ node: YAMLNode) {
            if !node.isNull { found(node) }
        }
        var knownVariables: [String: Bool] = [:]
        func isSecretVariable(_ name: String) -> Bool {
            if let v = knownVariables[name] { return v }
            let v = schema.parameter(name)?.isSecret == true || isSecret(name) || schema.isSecretVariable(name)
            knownVariables[name] = v
            return v
        }
        func visit(_ b: VarBinding) {
            if isSecretVariable(b.name) {
                hide(b.value)
            } else if Schema.passwordDicts.contains(b.name), let pairs = b.value.mapping {
                pairs.forEach { hide($0.value) }
            } else {
                walk(b.value)
            }
        }
        for g in inventory.groupOrder { inventory.groups[g]?.vars.all.forEach(visit) }
        for h in inventory.hosts { h.vars.all.forEach(visit) }
    }

    /// Marks every secret of the inventory in its source file, so that diagnostic snippets never
    /// quote a password.
    static func redact(_ inventory: Inventory, schema: Schema) {
        let file = inventory.file
        forEachSecret(inventory, schema: schema) { node in
            if node.range.file == file.path { file.redact(node.range) }
        }
    }

    /// The text of every secret an inventory can put into a generated file: its secret values
    /// (every scalar inside a secret container) and the defaults of password parameters.
    public static func secretValues(_ inventory: Inventory, schema: Schema = .pigsty) -> Set<String> {
        var out = Set<String>()
        func collect(_ node: YAMLNode) {
            switch node.content {
            case .scalar(let s):
                if case .string(let t) = s.value, !t.isEmpty { out.insert(t) } else if !node.isNull { out.insert(YAMLNode.describe(s.value)) }
            case .sequence(let items): items.forEach(collect)
            case .mapping(let pairs): pairs.forEach { collect($0.value) }
            }
        }
        forEachSecret(inventory, schema: schema, collect)
        for p in schema.parameters where p.isSecret { if let d = p.defaultValue { collect(d) } }
        return out
    }
}
