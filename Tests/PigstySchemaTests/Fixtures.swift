import PigstyDiagnostics
import PigstyYAML
@testable import PigstySchema

/// A small schema independent of the real data, so checker tests pin down behaviour only.
enum Fixture {
    static let module = #"""
    module: TEST
    parameters:
      t_port: { section: T, type: port, level: C, default: 5432, description: A port. }
      t_conf: { section: T, type: enum, level: C, default: oltp.yml, values: [oltp.yml, olap.yml, crit.yml, tiny.yml], description: A template. }
      t_seq: { section: T, type: int, level: I, required: true, min: 0, max: 100, description: A sequence number. }
      t_cluster: { section: T, type: string, level: C, required: true, pattern: '^[A-Za-z0-9-]+$', description: A cluster name. }
      t_password: { section: T, type: password, level: G/C, default: DBUser.Secret, pattern: '^[A-Za-z.]+$', description: A password. }
      t_users: { section: T, type: 'user[]', level: C, default: [], items: t_user, description: Users. }
      t_flag: { section: T, type: bool, level: G/C/I, default: false, description: A flag. }
      t_ratio: { section: T, type: float, level: C, default: 0.25, min: 0, max: 1, description: A ratio. }
      t_admin_ip: { section: T, type: ip, level: G, default: 10.10.10.10, description: An address. }
      t_cidr: { section: T, type: cidr4, level: C, optional: true, description: A CIDR block. }
      t_nullable: { section: T, type: string, level: C, default: null, description: A string that may be null. }
      t_ports: { section: T, type: 'port[]', level: C, default: [80, 443], description: Ports. }
      t_names: { section: T, type: 'string[]', level: C, default: [], description: Names. }
      t_portal: { section: T, type: dict, level: G, default: { home: { domain: h.pigsty } }, entries: t_entry, description: Portal. }
      t_any: { section: T, type: any, level: A, default: null, description: Anything. }
      t_version: { section: T, type: enum, level: C, default: 18, description: An open enum. }
      t_rto: { section: T, type: 'any[]', level: C, default: [[30, 10]], items: t_rto_plan, description: Timing presets. }
    """#

    static let records = #"""
    records:
      t_user:
        description: A user.
        fields:
          name: { type: string, required: true, pattern: '^[a-z_][a-z0-9_]*$', description: Name. }
          password: { type: password, description: Password. }
          pool_mode: { type: enum, values: [transaction, session, statement], description: Pool mode. }
          extensions: { type: 'extension[]', items: t_ext, description: Extensions. }
          roles: { type: 'role[]', items: t_grant, description: Granted roles. }
      t_ext:
        description: An extension.
        fields:
          name: { type: string, required: true, description: Name. }
          schema: { type: string, description: Schema. }
      t_grant:
        description: A role grant.
        shorthand: name
        fields:
          name: { type: string, required: true, pattern: '^[a-z_]+$', description: Role. }
          admin: { type: bool, description: With admin. }
      t_entry:
        description: A portal entry.
        fields:
          domain: { type: string, description: Domain. }
          endpoint: { type: string, description: Endpoint. }
      t_open:
        description: Open.
        open: true
        fields:
          known: { type: int, description: Known. }
      t_rto_plan:
        description: A tuple.
        tuple: true
        fields:
          ttl: { type: int, required: true, description: TTL. }
          loop: { type: int, required: true, description: Loop. }
          extra: { type: string, description: Optional tail. }
    """#

    static let schema = Schema(files: [("test.yml", module), ("records.yml", records)])

    /// Checks a one-parameter (or more) YAML text against the fixture schema.
    static func check(_ text: String, schema: Schema = Fixture.schema) -> [Diagnostic] {
        let sink = DiagnosticSink()
        guard let root = YAML.parse(text, path: "inv.yml", into: sink), let pairs = root.mapping else { return sink.diagnostics }
        let checker = ValueChecker(schema: schema, sink: sink)
        for pair in pairs {
            guard let name = pair.key.keyName, let spec = schema.parameter(name) else { continue }
            checker.check(pair.value, parameter: spec, path: "all.vars.\(name)")
        }
        return sink.diagnostics
    }
}
