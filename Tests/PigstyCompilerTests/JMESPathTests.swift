import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// The JMESPath subset used by Pigsty service selectors: operators, literals, null semantics of
/// unset keys, projections, and parse errors.
struct JMESPathTests {
    /// Four hosts as `hostvars` shows them: only some set `pg_offline_query` or `pg_weight`.
    static let hosts: JSONValue = .array([
        .object(["name": .string("a"), "pg_role": .string("primary"), "pg_seq": .int(1), "pg_weight": .int(50)]),
        .object(["name": .string("b"), "pg_role": .string("replica"), "pg_seq": .int(2), "pg_offline_query": .bool(true)]),
        .object(["name": .string("c"), "pg_role": .string("replica"), "pg_seq": .int(3), "pg_offline_query": .bool(false)]),
        .object(["name": .string("d"), "pg_role": .string("offline"), "pg_seq": .int(4),
                 "tags": .object(["zone": .string("z1"), "my-key": .string("q")])]),
    ])

    /// Names of the hosts an expression keeps.
    func names(_ expr: String) throws -> [String] {
        let result = try JMESPath.parse(expr).search(Self.hosts)
        guard case .array(let items) = result else {
            Issue.record("'\(expr)' gave \(result), not a list")
            return []
        }
        return items.map { v -> String in
            if case .string(let n) = v["name"] { return n }
            return "?"
        }
    }

    func eval(_ expr: String, _ on: JSONValue = hosts) throws -> JSONValue { try JMESPath.parse(expr).search(on) }

    @Test func flattenKeepsEveryHostInOrder() throws {
        #expect(try names("[]") == ["a", "b", "c", "d"])
        #expect(try names("[*]") == ["a", "b", "c", "d"])
    }

    @Test func equalityAndInequality() throws {
        #expect(try names("[? pg_role == `primary`]") == ["a"])
        #expect(try names("[? pg_role != `replica`]") == ["a", "d"])
        #expect(try names("[? pg_seq == `2`]") == ["b"])
        // A boolean never equals a number (jmespath.py), but 1 == 1.0.
        #expect(try names("[? pg_offline_query == `1`]") == [])
        #expect(try names("[? pg_seq == `1.0`]") == ["a"])
    }

    @Test func ordering() throws {
        #expect(try names("[? pg_seq < `2`]") == ["a"])
        #expect(try names("[? pg_seq <= `2`]") == ["a", "b"])
        #expect(try names("[? pg_seq > `3`]") == ["d"])
        #expect(try names("[? pg_seq >= `3`]") == ["c", "d"])
        // Strings compare as strings; mixed types give null, which filters out.
        #expect(try names("[? pg_role > 'primary']") == ["b", "c"])
        #expect(try names("[? pg_role < `1`]") == [])
    }

    @Test func logicalOperatorsAndParentheses() throws {
        #expect(try names("[? pg_role == `primary` || pg_role == `offline` ]") == ["a", "d"])
        #expect(try names("[? pg_role == `replica` && !pg_offline_query]") == ["c"])
        #expect(try names("[? !(pg_role == `replica` || pg_role == `primary`)]") == ["d"])
        #expect(try names("[? pg_role == `replica` && (pg_seq == `2` || pg_seq == `4`)]") == ["b"])
        // `||` returns its first truthy operand, `&&` its first falsy one.
        #expect(try eval("pg_weight || `7`", .object(["pg_weight": .int(0)])).description == "0")
        #expect(try eval("missing || 'x'", .object([:])).description == "\"x\"")
        #expect(try eval("missing && 'x'", .object([:])).description == "null")
    }

    @Test func unsetKeysAreNullAndFalsy() throws {
        // a and d never set pg_offline_query: null, so they are neither selected nor excluded by `!`.
        #expect(try names("[? pg_role == `offline` || pg_offline_query ]") == ["b", "d"])
        #expect(try names("[? !pg_offline_query]") == ["a", "c", "d"])
        #expect(try names("[? pg_offline_query == `null`]") == ["a", "d"])
        #expect(try names("[? pg_weight]") == ["a"])
        #expect(try eval("nothing.deeper").description == "null")
    }

    @Test func literals() throws {
        #expect(try eval("`true`", .null).description == "true")
        #expect(try eval("`1`", .null).description == "1")
        #expect(try eval("`-2.5`", .null).description == "-2.5")
        #expect(try eval("`\"quoted\"`", .null).description == "\"quoted\"")
        #expect(try eval("`[1, {\"a\": null}]`", .null).description == "[1, {\"a\": null}]")
        // Non-JSON text in backticks is a string (legacy rule), leading blanks dropped.
        #expect(try eval("` primary`", .null).description == "\"primary\"")
        #expect(try eval("'it\\'s'", .null).description == "\"it's\"")
        #expect(try names("[? pg_role == 'offline']") == ["d"])
    }

    @Test func fieldsDottedQuotedIndexAndPipe() throws {
        #expect(try names("[? tags.zone == 'z1']") == ["d"])
        #expect(try names("[? tags.\"my-key\" == 'q']") == ["d"])
        #expect(try eval("[? pg_role == 'replica'].name").description == "[\"b\", \"c\"]")
        #expect(try eval("[? pg_role == 'replica'] | [0].name").description == "\"b\"")
        #expect(try eval("[-1].name").description == "\"d\"")
        #expect(try eval("[?contains(name, 'c') || starts_with(pg_role, 'off')].pg_seq").description == "[3, 4]")
        #expect(try eval("length([?pg_role == 'replica'])").description == "2")
    }

    @Test func parseErrorsAreThrownNotCrashes() throws {
        let cases: [(String, String)] = [
            ("[? pg_role = `primary`]", "'='"),
            ("[? pg_role == `primary`", "expected ']'"),
            ("[? pg_role == `primary", "unterminated literal"),
            ("[? pg_role == 'x]", "unterminated raw string"),
            ("", "empty"),
            ("[? ]", "no condition"),
            ("a b", "unexpected identifier"),
            ("[? a == `bad\"quote`]", "invalid literal"),
            ("nosuch(a)", "unknown function"),
            ("{a: b}", "not supported"),
            ("[? a ==]", "unexpected"),
            ("a.", "expected a name"),
            ("#", "unexpected character"),
        ]
        for (text, fragment) in cases {
            do {
                _ = try JMESPath.parse(text)
                Issue.record("'\(text)' parsed")
            } catch let e as JMESPath.ParseError {
                #expect(e.message.contains(fragment), "'\(text)': \(e.message)")
                #expect(e.offset >= 0 && e.offset <= text.count)
            }
        }
    }

    @Test func parseErrorInInventoryIsPGS0820AtTheExpression() throws {
        let text = """
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
              vars:
                pg_cluster: pg-test
                pg_services:
                  - { name: bad, port: 5440, selector: "[? pg_role = `primary`]" }
          vars: { admin_ip: 10.10.10.11 }
        """
        let out = try emit(text, [HAProxyBackend()])
        let tree = out.tree
        let errors = out.sink.diagnostics.filter { $0.id == "PGS0820" }
        #expect(errors.count == 1)
        let e = try #require(errors.first)
        #expect(e.severity == .error)
        #expect(e.message.contains("'bad'") && e.message.contains("'='"))
        #expect(e.range?.start.line == 9)
        // The broken service gets no file; the others still do.
        #expect(tree.file("/etc/haproxy/conf.d/pg-test-bad.cfg", on: "10.10.10.11") == nil)
        #expect(tree.file("/etc/haproxy/conf.d/pg-test-primary.cfg", on: "10.10.10.11") != nil)
    }

    @Test func selectMapsResultsBackToHostsFromInventoryVariablesOnly() throws {
        let text = """
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true }
                10.10.10.13: { pg_seq: 3, pg_role: replica }
              vars: { pg_cluster: pg-test }
          vars: { admin_ip: 10.10.10.11 }
        """
        let sink = DiagnosticSink()
        let resolved = try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink))
        let hosts = resolved.hosts
        // The role default of pg_offline_query (false) is not visible: `== false` matches nobody.
        #expect(try JMESPath.parse("[? pg_offline_query == `false`]").select(hosts).isEmpty)
        #expect(try JMESPath.parse("[? pg_offline_query == `null`]").select(hosts).map(\.name) == ["10.10.10.11", "10.10.10.13"])
        #expect(try JMESPath.parse("[? inventory_hostname == '10.10.10.13']").select(hosts).map(\.name) == ["10.10.10.13"])
        #expect(try JMESPath.parse("[? pg_is_primary]").select(hosts).map(\.name) == ["10.10.10.11"])
        // Projections that are not hosts select nothing; a single host object selects it.
        #expect(try JMESPath.parse("[].pg_role").select(hosts).isEmpty)
        #expect(try JMESPath.parse("[1]").select(hosts).map(\.name) == ["10.10.10.12"])
    }
}
