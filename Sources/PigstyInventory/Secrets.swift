import PigstySchema
import PigstyYAML

extension Schema {
    /// Names under which a secret can appear inside a value: record fields typed `password` and
    /// password parameters (which can be nested in free-form dicts). Messages and `explain` mask them.
    public var secretNames: Set<String> {
        var names = Set(parameters.filter(\.isSecret).map(\.name))
        for record in records.values { for f in record.fields where f.isSecret { names.insert(f.name) } }
        return names
    }
}

extension YAMLNode {
    /// A one-line rendering safe to print: secrets masked.
    func safeText(_ schema: Schema, secret: Bool = false, limit: Int = 100) -> String {
        if secret, !isNull { return "********" }
        return flowText(limit: limit, masking: schema.secretNames)
    }
}
