import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Helpers shared by the JUnit and checkstyle formats.
enum XMLSupport {
    /// Diagnostics grouped by file. Every input gets a group, even without findings; files are
    /// sorted; diagnostics without a range go to the first input (or, without inputs, the first
    /// file that has findings, or "pigstyc"). Within a file the given order is kept.
    static func group(_ diagnostics: [Diagnostic], inputs: [String]) -> [(file: String, diagnostics: [Diagnostic])] {
        let fallback = inputs.first ?? diagnostics.compactMap { $0.range?.file }.min() ?? "pigstyc"
        var byFile: [String: [Diagnostic]] = [:]
        for input in inputs { byFile[input] = byFile[input] ?? [] }
        for d in diagnostics { byFile[d.range?.file ?? fallback, default: []].append(d) }
        return byFile.keys.sorted().map { ($0, byFile[$0]!) }
    }

    /// Replaces characters XML 1.0 cannot represent (most C0 controls, U+FFFE, U+FFFF) with U+FFFD.
    static func sanitize(_ text: String) -> String {
        func allowed(_ s: Unicode.Scalar) -> Bool {
            switch s.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
            default: false
            }
        }
        if text.unicodeScalars.allSatisfy(allowed) { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { out.append(allowed(s) ? s : "\u{FFFD}") }
        return String(out)
    }

    static func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) -> XMLElement {
        let element = text.map { XMLElement(name: name, stringValue: sanitize($0)) } ?? XMLElement(name: name)
        for (key, value) in attributes {
            // Added one by one (not from a dictionary) so that the order is stable.
            element.addAttribute(XMLNode.attribute(withName: key, stringValue: sanitize(value)) as! XMLNode)
        }
        return element
    }

    static func document(_ root: XMLElement) -> String {
        let document = XMLDocument(rootElement: root)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        var text = document.xmlString(options: [.nodePrettyPrint, .nodeCompactEmptyElement])
        text = text.replacingOccurrences(of: "\r\n", with: "\n")
        while text.hasSuffix("\n") { text.removeLast() }
        return text + "\n"
    }
}

/// JUnit XML: one `<testsuite>` per input file, one `<testcase>` per diagnostic. Errors are
/// `<failure type="error">` holding the text rendering; warnings and notes do not fail CI and
/// carry the text in `<system-out>`; a file without findings has one passing `check` case.
struct JUnitRenderer {
    var sources: [String: SourceFile]

    func render(_ diagnostics: [Diagnostic], inputs: [String]) -> String {
        let text = TextRenderer(sources: sources)
        let root = XMLElement(name: "testsuites")
        var totalTests = 0, totalFailures = 0
        var suites: [XMLElement] = []
        for (file, found) in XMLSupport.group(diagnostics, inputs: inputs) {
            var cases: [XMLElement] = []
            var failures = 0
            for d in found {
                let name = d.range.map { "\(d.id) \($0.start.line):\($0.start.column)" } ?? d.id
                let testcase = XMLSupport.element("testcase", [("classname", file), ("name", name)])
                if d.severity == .error {
                    failures += 1
                    testcase.addChild(XMLSupport.element(
                        "failure", [("type", "error"), ("message", d.message)], text: text.render(d)))
                } else {
                    testcase.addChild(XMLSupport.element("system-out", [], text: text.render(d)))
                }
                cases.append(testcase)
            }
            if found.isEmpty {
                cases.append(XMLSupport.element("testcase", [("classname", file), ("name", "check")]))
            }
            let suite = XMLSupport.element("testsuite", [
                ("name", "pigstyc check"), ("tests", String(cases.count)),
                ("failures", String(failures)), ("errors", "0"),
            ])
            for c in cases { suite.addChild(c) }
            suites.append(suite)
            totalTests += cases.count
            totalFailures += failures
        }
        for (key, value) in [("name", "pigstyc"), ("tests", String(totalTests)),
                             ("failures", String(totalFailures)), ("errors", "0")] {
            root.addAttribute(XMLNode.attribute(withName: key, stringValue: value) as! XMLNode)
        }
        for s in suites { root.addChild(s) }
        return XMLSupport.document(root)
    }
}

/// Checkstyle XML: `<checkstyle version="4.3">` with one `<file>` per input (sorted, even
/// without findings) and one `<error>` per diagnostic.
struct CheckstyleRenderer {
    func render(_ diagnostics: [Diagnostic], inputs: [String]) -> String {
        let root = XMLSupport.element("checkstyle", [("version", "4.3")])
        for (file, found) in XMLSupport.group(diagnostics, inputs: inputs) {
            let fileElement = XMLSupport.element("file", [("name", file)])
            for d in found {
                var attributes: [(String, String)] = []
                if let r = d.range {
                    attributes.append(("line", String(r.start.line)))
                    attributes.append(("column", String(r.start.column)))
                } else {
                    attributes.append(("line", "0"))
                }
                let severity = switch d.severity {
                case .error: "error"
                case .warning: "warning"
                case .note: "info"
                }
                var message = d.message
                if let suggestion = d.suggestion { message += " (help: \(suggestion))" }
                attributes += [("severity", severity), ("message", message), ("source", "pigstyc.\(d.id)")]
                fileElement.addChild(XMLSupport.element("error", attributes))
            }
            root.addChild(fileElement)
        }
        return XMLSupport.document(root)
    }
}
