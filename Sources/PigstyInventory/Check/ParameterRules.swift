import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Every written variable against the schema: unknown names (did-you-mean), value types, allowed
/// values, ranges and record fields, and parameters set at a level where they make no sense.
struct ParameterRules: InventoryRule {
    /// Variables Ansible itself reads; never reported as unknown.
    static func isAnsibleVariable(_ name: String) -> Bool {
        name.hasPrefix("ansible_") || name == "inventory_hostname" || name == "hostvars"
    }

    func check(_ c: RuleContext) {
        let checker = ValueChecker(schema: c.schema, sink: c.sink)
        let names = c.schema.parameters.map(\.name)
        for b in c.allBindings {
            guard let spec = c.schema.parameter(b.name) else {
                if Self.isAnsibleVariable(b.name) { continue }
                let suggestion = Suggest.closest(to: b.name, among: names)
                let notes = suggestion != nil ? []
                    : c.options.strict ? [DiagnosticNote("--strict rejects custom variables; without it they are warnings")]
                    : [DiagnosticNote("custom variables are allowed; pass --strict to make unknown names errors")]
                // --strict: an error (the sink's `promotedToError` does the same for other sinks).
                c.sink.report(.unknownParameter, severity: c.options.strict ? .error : .warning,
                              "unknown parameter '\(b.name)'",
                              at: b.key?.range ?? b.value.range, path: c.path(of: b), notes: notes,
                              suggestion: suggestion.map { "did you mean '\($0)'?" })
                continue
            }
            if b.value.tag == "!vault" || Self.isTemplated(b.value) {
                checkEvaluated(b, spec, checker, c)
            } else {
                checker.check(b.value, parameter: spec, path: c.path(of: b))
            }
            checkLevel(b, spec, c)
        }
    }

    private func checkLevel(_ b: VarBinding, _ spec: ParameterSpec, _ c: RuleContext) {
        guard b.origin == .allVars else { return }
        let range = b.key?.range ?? b.value.range
        let levels = Set(spec.levels)
        if b.name == "minio_cluster" {
            c.sink.report(.forbiddenInAllVars,
                          "'minio_cluster' must not be set in all.vars: every host would join the MinIO cluster",
                          at: range, path: c.path(of: b),
                          notes: [DiagnosticNote("set it in the vars of the MinIO group")])
        } else if levels.isSubset(of: [.instance, .adhoc]), spec.required || spec.optional {
            // An identity shared by several hosts: only harmless when exactly one host takes it.
            let takers = c.resolved.hosts.filter { $0.binding(b.name)?.origin == .allVars }
            guard takers.count > 1 else { return }
            c.sink.report(.instanceLevelInGlobal,
                          "'\(b.name)' identifies a single instance; in all.vars it gives \(takers.count) hosts the same value",
                          at: range, path: c.path(of: b),
                          notes: [DiagnosticNote("set '\(b.name)' in each host's own variables")])
        }
    }

    /// A template or vault value: checked as evaluated on each host it applies to (each distinct
    /// result once). One left as written (it reads run-time variables) is not checked.
    private func checkEvaluated(_ b: VarBinding, _ spec: ParameterSpec, _ checker: ValueChecker, _ c: RuleContext) {
        var seen = Set<String>()
        for h in c.resolved.hosts {
            guard let raw = h.rawBinding(b.name), raw.value === b.value,
                  let e = h.binding(b.name), e.value !== b.value else { continue }
            guard seen.insert(e.value.flowText(limit: 400)).inserted else { continue }
            checker.check(e.value, parameter: spec, path: c.path(of: b), secret: e.fromVault)
        }
    }

    /// A value Ansible computes at run time (`{{ … }}`): its type is unknown until then.
    static func isTemplated(_ node: YAMLNode) -> Bool {
        guard let s = node.string else { return false }
        return s.contains("{{") || s.contains("{%")
    }
}
