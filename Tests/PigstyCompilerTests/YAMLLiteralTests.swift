import Foundation
import Testing
import PigstyDiagnostics
import PigstyYAML
@testable import PigstyFormats

/// Literal block scalars (`PYNode.literal`): program text reads back as exactly itself with the
/// project's reader and with PyYAML, in mappings and list items at any depth; text a literal
/// block cannot hold is double-quoted instead.
struct YAMLLiteralTests {
    static let programs: [String] = [
        "a\n", "a", "a\n\n", "a\n\n\n", "\nfirst line blank\n", "  leading blanks\nnext\n", "\n  blank then indented\n",
        "x = \"q\" # not a comment\n.y = r'\\d+'\n", "if a { b } else { c }\n\n  nested\n\tand a tab\n",
        "ends without break\n  indented", "trailing blanks   \nhere  \n", "---\n...\n", "- not a list\nk: not a map\n",
    ] + YAMLWriterTests.hostile

    @Test func literalRoundTripsProgramsAndHostileText() throws {
        let text = YAMLWriterTests.document(Self.programs) { .literal($0) }
        #expect(try YAMLWriterTests.readBack(text, count: Self.programs.count) == Self.programs.map { $0 })
        #expect(try YAMLWriterTests.pyRead(text, count: Self.programs.count) == Self.programs.map { $0 })
        // Nested: inside a mapping and as list items.
        let nested = PYAML.render([("k0", .block([.pair("inner", .block([.pair("source", .literal("a\n  b\n"))]))])),
                                   ("k1", .items([.node(.literal("x\ny\n")), .node(.literal("\r"))]))])
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse(nested, into: sink))
        #expect(root["k0"]?["inner"]?["source"]?.string == "a\n  b\n")
        #expect(root["k1"]?.sequence?.compactMap(\.string) == ["x\ny\n", "\r"])
    }

    @Test func headersAndFallbacks() {
        #expect(PYAML.literalHeader("a\n") == "|")
        #expect(PYAML.literalHeader("a") == "|-")
        #expect(PYAML.literalHeader("a\n\n") == "|+")
        #expect(PYAML.literalHeader("\n  x\n") == "|2")
        #expect(PYAML.literalHeader("") == nil && PYAML.literalHeader("\n\n") == nil)
        #expect(PYAML.literalHeader("a\rb") == nil && PYAML.literalHeader("nel\u{85}") == nil)
        #expect(PYAML.render([("k", .literal("a\nb\n"))]) == "k: |\n  a\n  b\n")
        #expect(PYAML.render([("k", .literal("a\r\n"))]) == "k: \"a\\r\\n\"\n")
    }
}
