import PigstyDiagnostics
import PigstyYAML
import Testing
@testable import PigstySchema

struct SchemaTests {
    let schema = Schema.pigsty

    @Test func loadsWithoutProblems() {
        let problems = schema.loadDiagnostics.map { "\($0.range?.description ?? "-"): \($0.message)" }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func hasEveryParameter() {
        // The 351 parameters of Pigsty's v4.5 catalogue, plus role variables outside it (extras.yml).
        let catalogue = schema.parameters.filter { $0.range.file != "schema/extras.yml" }
        #expect(catalogue.count == 351)
        #expect(schema.parameters.count >= 351)
        #expect(Set(schema.parameters.map(\.name)).count == schema.parameters.count)
        for p in schema.parameters {
            #expect(schema.parameter(p.name)?.name == p.name)
        }
        #expect(schema.parameter("pg_verison") == nil)
    }

    @Test func modulesAndOrder() throws {
        #expect(Set(schema.modules.map { $0.uppercased() })
            .isSuperset(of: ["DOCKER", "ETCD", "INFRA", "MINIO", "NODE", "PGSQL", "REDIS", "VIBE"]))
        // Files are read in file-name order (docker.yml first) and parameters keep file order.
        #expect(schema.parameters.first?.module.uppercased() == "DOCKER")
        let names = schema.parameters.map(\.name)
        let mode = try #require(names.firstIndex(of: "pg_mode"))
        let cluster = try #require(names.firstIndex(of: "pg_cluster"))
        let seq = try #require(names.firstIndex(of: "pg_seq"))
        #expect(mode < cluster && cluster < seq)
        #expect(try #require(names.firstIndex(of: "etcd_cluster")) < mode)
        for m in schema.modules { #expect(!schema.parameters(inModule: m).isEmpty) }
    }

    @Test func everyParameterIsWellFormed() {
        for p in schema.parameters {
            #expect(!p.levels.isEmpty, "\(p.name) has no level")
            #expect(p.levels.map(\.rawValue).joined(separator: "/") == p.levelText, "\(p.name): \(p.levelText)")
            #expect(!p.description.isEmpty, "\(p.name) has no description")
            #expect(!p.section.isEmpty, "\(p.name) has no section")
            let kinds = (p.required ? 1 : 0) + (p.optional ? 1 : 0) + (p.hasDefault ? 1 : 0)
            #expect(kinds == 1, "\(p.name): exactly one of required, optional, default")
        }
    }

    @Test func everyReferenceResolves() {
        var references: [(String, String)] = []
        for p in schema.parameters {
            if let i = p.items { references.append((p.name, i)) }
            if let e = p.entries { references.append((p.name, e)) }
        }
        for name in schema.recordNames {
            for f in schema.records[name]?.fields ?? [] {
                for r in [f.items, f.entries, f.record].compactMap({ $0 }) { references.append(("\(name).\(f.name)", r)) }
                if f.type == "record" { #expect(f.record != nil, "\(name).\(f.name) is a record without 'record'") }
            }
        }
        #expect(!references.isEmpty)
        for (owner, target) in references {
            let resolves = schema.records[target] != nil || ValueType.scalar(target) != nil
            #expect(resolves, "\(owner) refers to '\(target)', which is not a record")
        }
        // Every record is used by something.
        let used = Set(references.map(\.1))
        for name in schema.recordNames {
            #expect(used.contains(name), "record \(name) is never referenced")
        }
    }

    @Test func everyDefaultSatisfiesItsOwnSpec() {
        let sink = DiagnosticSink()
        let checker = ValueChecker(schema: schema, sink: sink)
        var checked = 0
        for p in schema.parameters {
            guard let d = p.defaultValue else { continue }
            checker.check(d, parameter: p, path: p.name)
            checked += 1
        }
        for name in schema.recordNames {
            for f in schema.records[name]?.fields ?? [] {
                if let d = f.defaultValue { checker.check(d, field: f, path: "\(name).\(f.name)") }
            }
        }
        #expect(checked > 300)
        let problems = sink.diagnostics.map { "\($0.range?.description ?? "-"): \($0.id) \($0.message)" }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(schema.validateDefaults().isEmpty)
    }

    @Test func secretsArePasswords() {
        let secrets = schema.parameters.filter(\.isSecret)
        #expect(!secrets.isEmpty)
        #expect(secrets.allSatisfy { $0.type == "password" })
        #expect(schema.parameter("pg_admin_password")?.isSecret == true)
    }

    @Test func prefixes() {
        #expect(schema.parameterPrefixes.contains("pg"))
        #expect(schema.parameterPrefixes.contains("node"))
        #expect(!schema.parameterPrefixes.contains("ansible"))
        #expect(schema.hasParameterPrefix("pg_verison"))
        #expect(!schema.hasParameterPrefix("app_name"))
        #expect(schema.suggestParameter(for: "pg_verison") == "pg_version")
    }

    @Test func fixtureSchemaLoads() {
        let s = Fixture.schema
        #expect(s.loadDiagnostics.isEmpty, "\(s.loadDiagnostics.map(\.message))")
        #expect(s.parameters.map(\.name).first == "t_port")
        #expect(s.parameter("t_password")?.levels == [.global, .cluster])
        #expect(s.parameter("t_flag")?.levels == [.global, .cluster, .instance])
        #expect(s.parameter("t_nullable")?.defaultValue?.isNull == true)
        #expect(s.parameter("t_cidr")?.optional == true)
        #expect(s.parameter("t_cidr")?.defaultValue == nil)
        #expect(s.recordNames == s.recordNames.sorted())
        #expect(s.records["t_grant"]?.shorthand == "name")
        #expect(s.records["t_rto_plan"]?.tuple == true)
        #expect(s.records["t_user"]?.fields.map(\.name) == ["name", "password", "pool_mode", "extensions", "roles"])
        #expect(s.record("t_user")?.field("pool_mode")?.values == ["transaction", "session", "statement"])
        #expect(s.validateDefaults().isEmpty, "\(s.validateDefaults().map(\.message))")
    }

    @Test func badDefaultsAreCaught() {
        let text = """
        module: BAD
        parameters:
          d_port: { section: D, type: port, level: C, default: http, description: Not a port. }
          d_mode: { section: D, type: enum, level: C, default: c, values: [a, b], description: Not a value. }
          d_users: { section: D, type: 'user[]', level: C, default: [{ nme: x }], items: d_user, description: Bad record. }
        records:
          d_user:
            description: A user.
            fields:
              name: { type: string, required: true, description: Name. }
        """
        let s = Schema(files: [("bad.yml", text)])
        #expect(s.loadDiagnostics.isEmpty)
        #expect(s.validateDefaults().map(\.id).sorted() == ["PGS0302", "PGS0303", "PGS0306", "PGS0307"])
        #expect(s.validateDefaults().allSatisfy { $0.range?.file == "schema/bad.yml" })
    }

    @Test func brokenDataIsReported() {
        let text = """
        module: BAD
        parameters:
          b_one: { section: B, type: strng, level: C, default: x, description: Unknown type. }
          b_two: { section: B, type: int, level: X, default: 1, description: Unknown level. }
          b_three: { section: B, type: string, level: C, description: No default. }
          b_four: { section: B, type: 'user[]', level: C, default: [], items: nobody, description: Dangling. }
          b_five: { section: B, type: string, level: C, default: a, values: [a], description: Values on a string. }
          b_six: { section: B, type: string, level: C, default: a, pattern: '([', description: Bad regex. }
          b_seven: { section: B, type: string, level: C, default: a, descripton: Typo. }
          b_one: { section: B, type: strng, level: C, default: x, description: Twice in one file. }
        """
        let other = """
        module: OTHER
        parameters:
          b_two: { section: B, type: int, level: C, default: 1, description: Twice across files. }
        records:
          r_one:
            description: A record.
            shorthand: nope
            fields:
              a: { type: record, description: No record named. }
              b: { type: 'x[]', description: Unknown list type. }
        """
        let s = Schema(files: [("bad.yml", text), ("other.yml", other)])
        let messages = s.loadDiagnostics.map(\.message)
        #expect(s.loadDiagnostics.allSatisfy { $0.code == .schemaData || $0.id.hasPrefix("PGS01") })
        #expect(messages.contains { $0.contains("unknown type 'strng'") })
        #expect(messages.contains { $0.contains("unknown level 'X'") })
        #expect(messages.contains { $0.contains("b_three") && $0.contains("no 'default'") })
        #expect(messages.contains { $0.contains("'nobody'") })
        #expect(messages.contains { $0.contains("b_five") && $0.contains("not an enum") })
        #expect(messages.contains { $0.contains("b_six") && $0.contains("regular expression") })
        #expect(s.loadDiagnostics.contains { $0.message.contains("descripton") && $0.suggestion == "did you mean 'description'?" })
        // The YAML composer resolves duplicate keys (PGS0103) before the loader sees them.
        #expect(s.loadDiagnostics.contains { $0.id == "PGS0103" })
        #expect(messages.contains { $0 == "parameter 'b_two' is declared twice" })
        #expect(messages.contains { $0.contains("shorthand of record 'r_one'") })
        #expect(messages.contains { $0.contains("r_one.a") && $0.contains("needs 'record: <name>'") })
        #expect(messages.contains { $0.contains("r_one.b") && $0.contains("unknown list type 'x[]'") })
        #expect(s.loadDiagnostics.allSatisfy { $0.range?.file.hasPrefix("schema/") == true })
        #expect(Schema(files: []).parameters.isEmpty)
    }
}
