import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// How Ansible and `ship` reach a node: `ansible_host`/`ansible_ssh_host` a DNS name or address,
/// `ansible_user`/`ansible_ssh_user` an account name, `ansible_port`/`ansible_ssh_port` a port
/// (an integer or a string of digits, as Ansible's `int()` reads it). Anything else reaches ssh
/// as an argument: `-oProxyCommand=…` as a host is an option, `$(…)` or `;` a command.
struct ConnectionRules: InventoryRule {
    func check(_ c: RuleContext) {
        for name in AnsibleConnection.hostNames + AnsibleConnection.userNames + AnsibleConnection.portNames {
            for b in c.bindings(of: name) where !b.value.isNull && !ParameterRules.isTemplated(b.value) {
                checkValue(b, c)
            }
        }
    }

    private func checkValue(_ b: VarBinding, _ c: RuleContext) {
        let node = b.value
        let isPort = AnsibleConnection.portNames.contains(b.name)
        if isPort {
            guard AnsibleConnection.port(node) == nil else { return }
            c.sink.report(.connectionInvalid,
                          "\(b.name) must be a port number (1–65535), found \(ValueChecker.found(node, secret: false))",
                          at: node.range, path: c.path(of: b),
                          notes: [DiagnosticNote("Ansible reads it with int(): an integer or a string of digits")])
            return
        }
        guard let text = node.string else {
            c.sink.report(.connectionInvalid,
                          "\(b.name) must be a string, found \(ValueChecker.found(node, secret: false))",
                          at: node.range, path: c.path(of: b))
            return
        }
        if text.isEmpty { return }
        let isHost = AnsibleConnection.hostNames.contains(b.name)
        if isHost ? AnsibleConnection.isHost(text) : AnsibleConnection.isUser(text) { return }
        let what = isHost ? "a DNS name or an IP address" : "an account name (letters, digits, '_', '.', '-')"
        var notes = [DiagnosticNote("the value is given to ssh as it is: a leading '-' is read as an option, and "
                                    + "blanks, ';', backticks or '$(' split or run commands in a shell")]
        if text.hasPrefix("-") { notes.append(DiagnosticNote("this one starts with '-', which ssh reads as an option")) }
        c.sink.report(.connectionInvalid,
                      "\(b.name) '\(SafetyRules.printable(text))' is not \(what)",
                      at: node.range, path: c.path(of: b), notes: notes)
    }
}
