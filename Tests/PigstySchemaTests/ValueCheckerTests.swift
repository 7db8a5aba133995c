import PigstyDiagnostics
import PigstyYAML
import Testing
@testable import PigstySchema

struct ValueCheckerTests {
    func only(_ text: String, _ id: String) throws -> Diagnostic {
        let diagnostics = Fixture.check(text)
        #expect(diagnostics.count == 1, "\(diagnostics.map { "\($0.id) \($0.message)" })")
        let d = try #require(diagnostics.first)
        #expect(d.id == id, "\(d.id) \(d.message)")
        #expect(d.severity == .error)
        return d
    }

    // MARK: - One failing input per id

    @Test func typeMismatch0302() throws {
        let d = try only("t_port: abc\n", "PGS0302")
        #expect(d.message == "'t_port' expects a port number (0–65535), found string 'abc'")
        #expect(d.range?.start.line == 1)
        #expect(d.range?.start.column == 9)
        #expect(d.range?.file == "inv.yml")
        #expect(d.path == "all.vars.t_port")
    }

    @Test func notAllowedValue0303() throws {
        let d = try only("t_port: 1\nt_conf: olpt.yml\n", "PGS0303")
        #expect(d.message == "'t_conf' must be one of oltp.yml, olap.yml, crit.yml, tiny.yml; found 'olpt.yml'")
        #expect(d.suggestion == "did you mean 'oltp.yml'?")
        #expect(d.range?.start.line == 2)
        #expect(d.range?.start.column == 9)
        let prefix = try only("t_conf: crit\n", "PGS0303")
        #expect(prefix.suggestion == "did you mean 'crit.yml'?")
    }

    @Test func outOfRange0304() throws {
        let d = try only("\nt_port: 70000\n", "PGS0304")
        #expect(d.message == "'t_port' must be between 0 and 65535, found 70000")
        #expect(d.range?.start.line == 2)
        #expect(d.range?.start.column == 9)
        let big = try only("t_seq: 123456789012345678901234567890\n", "PGS0304")
        #expect(big.message.contains("between 0 and 100"))
        #expect(big.range?.start.column == 8)
        let negative = try only("t_ratio: -0.5\n", "PGS0304")
        #expect(negative.range?.start.column == 10)
    }

    @Test func patternMismatch0305() throws {
        let d = try only("t_cluster: pg_test\n", "PGS0305")
        #expect(d.message == "'t_cluster' must match ^[A-Za-z0-9-]+$, found 'pg_test'")
        #expect(d.range?.start.line == 1)
        #expect(d.range?.start.column == 12)
    }

    @Test func unknownField0306() throws {
        let text = """
        t_users:
          - name: alice
            pool_mod: session

        """
        let d = try only(text, "PGS0306")
        #expect(d.message == "unknown field 'pool_mod' in 't_users[0]' (t_user)")
        #expect(d.suggestion == "did you mean 'pool_mode'?")
        #expect(d.notes.first?.message == "valid fields of t_user: name, password, pool_mode, extensions, roles")
        #expect(d.range?.start.line == 3)
        #expect(d.range?.start.column == 5)
        #expect(d.path == "all.vars.t_users[0].pool_mod")
    }

    @Test func missingField0307() throws {
        let text = """
        t_users:
          - name: alice
          - pool_mode: session

        """
        let d = try only(text, "PGS0307")
        #expect(d.message == "'t_users[1]' is missing required field 'name' (t_user)")
        #expect(d.range?.start.line == 3)
        #expect(d.range?.start.column == 5)
        #expect(d.path == "all.vars.t_users[1]")
    }

    // MARK: - Type rules

    @Test func booleansWhereStringsAreExpected() throws {
        let d = try only("t_cluster: yes\n", "PGS0302")
        #expect(d.message == "'t_cluster' expects a string, found boolean 'yes'")
        #expect(d.notes.contains { $0.message.contains("YAML 1.1") })
        #expect(d.suggestion == "quote it: 'yes'")
        #expect(Fixture.check("t_cluster: 'yes'\n").isEmpty)
    }

    @Test func acceptedValues() {
        let ok = """
        t_port: 0
        t_conf: crit.yml
        t_seq: 100
        t_cluster: pg-test
        t_password: DBUser.Other
        t_users: [{ name: alice, pool_mode: session, extensions: [postgis, { name: vector, schema: public }], roles: [dbrole_admin, { name: x_y, admin: true }] }]
        t_flag: off
        t_ratio: 1
        t_admin_ip: 10.1.2.3
        t_cidr: 10.0.0.0/8
        t_nullable: null
        t_ports: [1, 65535]
        t_names: [a, 1, 2.5, 2024-01-01]
        t_portal: { home: { domain: h.pigsty }, other: { endpoint: 'x:1' } }
        t_any: [{ anything: [goes] }]
        t_rto: [[30, 10], [30, 10, fast]]
        t_version: 17

        """
        let diagnostics = Fixture.check(ok)
        #expect(diagnostics.isEmpty, "\(diagnostics.map { "\($0.id) \($0.message)" })")
    }

    @Test(arguments: [
        ("t_flag: 'true'\n", "'t_flag' expects a boolean (true or false), found string 'true'"),
        ("t_flag: 1\n", "'t_flag' expects a boolean (true or false), found integer 1"),
        ("t_seq: 1.5\n", "'t_seq' expects an integer, found float 1.5"),
        ("t_port: '5432'\n", "'t_port' expects a port number (0–65535), found string '5432'"),
        ("t_port: null\n", "'t_port' expects a port number (0–65535), found null"),
        ("t_port:\n", "'t_port' expects a port number (0–65535), found null"),
        ("t_ratio: abc\n", "'t_ratio' expects a number, found string 'abc'"),
        ("t_cluster: [a]\n", "'t_cluster' expects a string, found a list"),
        ("t_cluster: {a: 1}\n", "'t_cluster' expects a string, found a mapping"),
        ("t_admin_ip: 10.10.10\n", "'t_admin_ip' expects an IPv4 address, found string '10.10.10'"),
        ("t_admin_ip: 10.10.10.256\n", "'t_admin_ip' expects an IPv4 address, found string '10.10.10.256'"),
        ("t_cidr: 10.0.0.0/33\n", "'t_cidr' expects an IPv4 CIDR block such as '10.10.10.0/24', found string '10.0.0.0/33'"),
        ("t_users: alice\n", "'t_users' expects a list, found string 'alice'"),
        ("t_users:\n", "'t_users' expects a list, found null"),
        ("t_users: [alice]\n", "'t_users[0]' expects a mapping (t_user), found string 'alice'"),
        ("t_users: [{name: a, extensions: [1]}]\n", "'t_users[0].extensions[0]' expects a name or a mapping (t_ext), found integer 1"),
        ("t_users: [{name: a, roles: [[x]]}]\n", "'t_users[0].roles[0]' expects a name or a mapping (t_grant), found a list"),
        ("t_users: [{name: a, roles: [on]}]\n", "'t_users[0].roles[0]' expects a string, found boolean 'on'"),
        ("t_ports: [80, http]\n", "'t_ports[1]' expects a port number (0–65535), found string 'http'"),
        ("t_names: [a, [b]]\n", "'t_names[1]' expects a string, found a list"),
        ("t_portal: [home]\n", "'t_portal' expects a mapping, found a list"),
        ("t_portal: { home: x }\n", "'t_portal.home' expects a mapping (t_entry), found string 'x'"),
        ("t_version: [17]\n", "'t_version' expects a single value, found a list"),
        ("t_conf: [oltp.yml]\n", "'t_conf' expects one of oltp.yml, olap.yml, crit.yml, tiny.yml, found a list"),
        ("t_rto: [{ttl: 1}]\n", "'t_rto[0]' expects a list of 3 values (t_rto_plan: ttl, loop, extra), found a mapping"),
        ("t_rto: [[1, x]]\n", "'t_rto[0][1] (loop)' expects an integer, found string 'x'"),
    ])
    func mismatches(_ text: String, _ message: String) throws {
        let d = try only(text, "PGS0302")
        #expect(d.message == message)
    }

    @Test func quotedNumbersAndBooleansGetHints() throws {
        let port = try only("t_port: '5432'\n", "PGS0302")
        #expect(port.suggestion == "remove the quotes")
        let flag = try only("t_flag: \"true\"\n", "PGS0302")
        #expect(flag.suggestion == "remove the quotes")
    }

    @Test func nullRules() {
        // Required, optional and null-default parameters may be null; record fields that are not required too.
        #expect(Fixture.check("t_seq: null\nt_cluster:\nt_cidr: ~\nt_nullable: null\nt_any:\n").isEmpty)
        #expect(Fixture.check("t_users: [{name: a, pool_mode: null, password: null}]\n").isEmpty)
        #expect(Fixture.check("t_users: [{name: null}]\n").map(\.id) == ["PGS0302"])
        #expect(Fixture.check("t_users: [null]\n").map(\.id) == ["PGS0302"])
        #expect(Fixture.check("t_rto: [[1]]\n").map(\.id) == ["PGS0307"])
        #expect(Fixture.check("t_rto: [[1, 2, a, b]]\n").map(\.id) == ["PGS0306"])
    }

    @Test func nestedPathsAndMultipleFindings() {
        let text = """
        t_users:
          - { name: Alice, pool_mode: sesion, extra: 1 }
          - { pool_mode: statement }

        """
        let ds = Fixture.check(text)
        #expect(ds.map(\.id).sorted() == ["PGS0303", "PGS0305", "PGS0306", "PGS0307"])
        let enumDiag = ds.first { $0.id == "PGS0303" }
        #expect(enumDiag?.path == "all.vars.t_users[0].pool_mode")
        #expect(enumDiag?.suggestion == "did you mean 'session'?")
        #expect(enumDiag?.range?.start == SourcePosition(line: 2, column: 31, offset: enumDiag?.range?.start.offset ?? 0))
    }

    @Test func checkRecordDirectly() throws {
        let sink = DiagnosticSink()
        let node = try #require(YAML.parse("{ domain: a, endpoint: b, websocket: true }", path: "r.yml", into: sink))
        let record = try #require(Fixture.schema.record("t_entry"))
        ValueChecker(schema: Fixture.schema, sink: sink).check(node, record: record, path: "infra_portal.home")
        #expect(sink.diagnostics.map(\.id) == ["PGS0306"])
        #expect(sink.diagnostics.first?.message == "unknown field 'websocket' in 'infra_portal.home' (t_entry)")
        #expect(sink.diagnostics.first?.path == "infra_portal.home.websocket")
        // Open records take unknown fields.
        let open = try #require(Fixture.schema.record("t_open"))
        let sink2 = DiagnosticSink()
        let node2 = try #require(YAML.parse("{ known: 1, other: x }", into: sink2))
        ValueChecker(schema: Fixture.schema, sink: sink2).check(node2, record: open, path: "")
        #expect(sink2.diagnostics.isEmpty)
    }

    // MARK: - Secrets

    @Test func passwordsAreNeverPrinted() {
        let secret = "Hunter2-S3cr3t"
        let inputs = [
            "t_password: \(secret)\n",
            "t_password: [\(secret)]\n",
            "t_password: { \(secret): 1 }\n",
            "t_password: 1234567\n",
            "t_password: yes\n",
            "t_users: [{ name: a, password: [\(secret)] }]\n",
            "t_users: [{ name: a, password: { k: \(secret) } }]\n",
        ]
        for input in inputs {
            let ds = Fixture.check(input)
            #expect(!ds.isEmpty, "\(input)")
            for d in ds {
                let all = ([d.message, d.suggestion ?? ""] + d.notes.map(\.message)).joined(separator: "\n")
                #expect(!all.contains(secret), "\(all)")
                #expect(!all.contains("1234567"), "\(all)")
                #expect(all.contains("password value") || d.id == "PGS0302", "\(all)")
            }
        }
        let d = Fixture.check("t_password: \(secret)\n").first
        #expect(d?.id == "PGS0305")
        #expect(d?.message == "'t_password' must match ^[A-Za-z.]+$; the password value does not")
        let bool = Fixture.check("t_password: yes\n").first
        #expect(bool?.message == "'t_password' expects a password (string), found a password value (boolean)")
        #expect(bool?.suggestion == "quote the value")
    }

    // MARK: - Robustness

    @Test func neverCrashesOnOddValues() throws {
        let odd = """
        - null
        - ~
        - yes
        - -9223372036854775808
        - 99999999999999999999999999999
        - .nan
        - -.inf
        - 2024-01-01 10:00:00
        - ""
        - "\\u0000\\n\\t"
        - []
        - {}
        - [[[[]]]]
        - { ? [a, b] : c, 1: 2, null: x }
        - [null, ~, { name: null }]
        - { name: [], password: {}, extensions: [null, [], {name: {}}], roles: [{}], pool_mode: [] }

        """
        let sink = DiagnosticSink()
        let items = try #require(YAML.parse(odd, path: "odd.yml", into: sink)?.sequence)
        for schema in [Schema.pigsty, Fixture.schema] {
            let checker = ValueChecker(schema: schema, sink: sink)
            for p in schema.parameters {
                for item in items { checker.check(item, parameter: p, path: p.name) }
            }
            for name in schema.recordNames {
                guard let r = schema.record(name) else { continue }
                for item in items { checker.check(item, record: r, path: name) }
            }
        }
        #expect(sink.diagnostics.allSatisfy { $0.range != nil })
    }
}
