import Testing
import PigstyDiagnostics
@testable import PigstyYAML

/// Scalars must type exactly as PyYAML (YAML 1.1) types them, because that is what Ansible sees.
struct ScalarResolutionTests {
    func value(_ text: String) -> YAMLValue { ScalarResolver.resolvePlain(text) }

    @Test(arguments: ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
    func trueWords(_ text: String) { #expect(value(text) == .bool(true)) }

    @Test(arguments: ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
    func falseWords(_ text: String) { #expect(value(text) == .bool(false)) }

    @Test(arguments: ["y", "n", "Y", "N", "yEs", "tRUE", "oN"])
    func notBooleans(_ text: String) { #expect(value(text) == .string(text)) }

    @Test func integers() {
        #expect(value("0") == .int(0))
        #expect(value("42") == .int(42))
        #expect(value("-17") == .int(-17))
        #expect(value("+5") == .int(5))
        #expect(value("1_000") == .int(1000))
        #expect(value("0750") == .int(488))
        #expect(value("0x1F") == .int(31))
        #expect(value("0b101") == .int(5))
        #expect(value("12:30:00") == .int(45000))
        #expect(value("190:20:30") == .int(685230))
    }

    @Test(arguments: ["0o750", "08", "09", "1e3", "0x", "1:60", "01:30", "1.2.3", "10.10.10.10", "-", "+", ".", "1_2x"])
    func stringsThatLookNumeric(_ text: String) { #expect(value(text) == .string(text)) }

    @Test func floats() {
        #expect(value("1.5") == .float(1.5))
        #expect(value("-0.25") == .float(-0.25))
        #expect(value("1.") == .float(1.0))
        #expect(value(".5") == .float(0.5))
        #expect(value("1.0e+3") == .float(1000))
        #expect(value("6.8523015e+5") == .float(685230.15))
        #expect(value(".inf") == .float(.infinity))
        #expect(value("-.Inf") == .float(-.infinity))
        #expect(value("1:30.5") == .float(90.5))
        if case .float(let d) = value(".NaN") { #expect(d.isNaN) } else { Issue.record("nan") }
        // `e` without a sign is not a float exponent in YAML 1.1.
        #expect(value("1.0e3") == .string("1.0e3"))
    }

    @Test func integersBeyond64BitsAreExact() {
        #expect(value("123456789012345678901234567890") == .bigInt("123456789012345678901234567890"))
        #expect(value("-99999999999999999999") == .bigInt("-99999999999999999999"))
        #expect(value("0xFFFFFFFFFFFFFFFFFF") == .bigInt("4722366482869645213695"))
        #expect(value("9223372036854775807") == .int(Int.max))
        #expect(value("-9223372036854775808") == .int(Int.min))
        #expect(value("9223372036854775808") == .bigInt("9223372036854775808"))
    }

    @Test func nullsAndTimestamps() {
        #expect(value("~") == .null)
        #expect(value("null") == .null)
        #expect(value("NULL") == .null)
        #expect(value("nUll") == .string("nUll"))
        #expect(value("2025-01-31") == .timestamp("2025-01-31"))
        #expect(value("2025-1-31 10:00:00") == .timestamp("2025-1-31 10:00:00"))
        #expect(value("2025-1-31") == .string("2025-1-31"))
    }

    @Test func quotedScalarsStayStrings() throws {
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse("a: 'yes'\nb: \"0750\"\nc: yes\nd: |\n  on\ne: !!str 12\nf: !!int '7'\n", into: sink))
        #expect(root["a"]?.value == .string("yes"))
        #expect(root["b"]?.value == .string("0750"))
        #expect(root["c"]?.value == .bool(true))
        #expect(root["d"]?.value == .string("on\n"))
        #expect(root["e"]?.value == .string("12"))
        #expect(root["f"]?.value == .int(7))
        #expect(sink.diagnostics.isEmpty)
    }

    @Test func pythonFloatRendering() {
        #expect(YAMLNode.pythonFloatString(1.0) == "1.0")
        #expect(YAMLNode.pythonFloatString(0.25) == "0.25")
        #expect(YAMLNode.pythonFloatString(1e16) == "1e+16")
        #expect(YAMLNode.pythonFloatString(1e-5) == "1e-05")
        #expect(YAMLNode.pythonFloatString(123456789.0) == "123456789.0")
        #expect(YAMLNode.pythonFloatString(.infinity) == "inf")
    }
}
