import PigstyFormats
import PigstyModel
/// The certificate scripts of the nginx back end: `/etc/nginx/link-cert` points each portal
/// domain's certificate at Let's Encrypt's (when certbot has signed one) or at Pigsty's own
/// `pigsty.crt`; `/etc/nginx/sign-cert` asks certbot for one certificate per `certbot` name,
/// covering the domains of every entry that names it. Every inventory value is quoted.
extension NginxBackend {
    func linkCert(_ server: NginxServer, graph: ResourceGraph) -> String {
        var w = LineWriter(capacity: 2048)
        w.line("#!/bin/bash")
        Header.hash("nginx certificate links", node: server.ip, into: &w)
        w.comment("run by Pigsty after copying pigsty.crt/key; safe to run again")
        w.line("set -euo pipefail")
        w.blank()
        let dir = "/etc/nginx/conf.d/cert"
        for e in server.entries {
            guard let domain = e.domain else {
                w.comment(Shell.comment(e.key) + ": no domain, nothing to link")
                w.blank()
                continue
            }
            let crt = Shell.dq("\(dir)/\(domain).crt"), key = Shell.dq("\(dir)/\(domain).key")
            w.comment(Shell.comment(e.key) + ": " + Shell.comment(e.serverNames.joined(separator: " ")))
            func ownLinks(_ w: inout LineWriter) {
                w.line("ln -sfn " + Shell.dq("\(dir)/pigsty.crt") + " " + crt)
                w.line("ln -sfn " + Shell.dq("\(dir)/pigsty.key") + " " + key)
            }
            if let name = e.certbot {
                let live = "/etc/letsencrypt/live/\(name)"
                w.line("if [[ -f " + Shell.dq("\(live)/privkey.pem") + " ]]; then")
                w.indented { w in
                    w.line("ln -sfn " + Shell.dq("\(live)/fullchain.pem") + " " + crt)
                    w.line("ln -sfn " + Shell.dq("\(live)/privkey.pem") + " " + key)
                }
                w.line("else")
                w.indented(ownLinks)
                w.line("fi")
            } else {
                ownLinks(&w)
            }
            w.blank()
        }
        w.lines("""
        echo "link nginx cert, check with ls -alh /etc/nginx/conf.d/cert"
        ls -alh /etc/nginx/conf.d/cert
        """)
        return w.text
    }

    func signCert(_ server: NginxServer, graph: ResourceGraph) -> String {
        var w = LineWriter(capacity: 4096)
        w.line("#!/usr/bin/env bash")
        Header.hash("certbot certificate requests", node: server.ip, into: &w)
        w.comment("run with certbot_sign: true, or by hand; extra certbot options as $1")
        w.line("set -euo pipefail")
        w.line("EMAIL=" + Shell.dq(server.certbot.email))
        w.line("WEBROOT=" + Shell.dq(server.certbot.webroot))
        w.line("OPTIONS=${1-" + Shell.dq(server.certbot.options) + "}")
        w.blank()
        for cert in server.certificates {
            let summary = "\(cert.name) : \(cert.domains.joined(separator: ", "))"
            let ds = cert.domains.map { "-d " + Shell.dq($0) }.joined(separator: " ")
            let name = Shell.word(cert.name)
            w.comment("certificate " + Shell.comment(summary))
            w.line(#"echo "-----------------------------------------------------------------""#)
            w.line("echo " + Shell.dq("issue \(summary)"))
            w.line("if [ -f " + Shell.dq("/etc/letsencrypt/renewal/\(cert.name).conf") + " ]; then")
            w.indented { w in
                w.line(#"echo "  -> Certificate exists. Attempting to expand/renew if needed...""#)
                certonly(name: name, domains: ds, expand: true, into: &w)
            }
            w.line("else")
            w.indented { w in
                w.line(#"echo "  -> Certificate does not exist. Obtaining a new certificate...""#)
                certonly(name: name, domains: ds, expand: false, into: &w)
            }
            w.line("fi")
            w.line("echo " + Shell.dq("  -> Done for \(cert.name): \(cert.domains.joined(separator: ", "))"))
            w.line("echo")
            w.blank()
        }
        w.lines("""
        echo "-----------------------------------------------------------------"
        echo "All certificate operations finished."
        echo "Now you can link certs with /etc/nginx/link-cert"
        /etc/nginx/link-cert
        ls -alh /etc/nginx/conf.d/cert
        """)
        return w.text
    }

    /// The `certbot certonly` command, continued over four lines; `name` and `domains` are quoted
    /// shell words already.
    private func certonly(name: String, domains: String, expand: Bool, into w: inout LineWriter) {
        w.line("certbot certonly --non-interactive --cert-name " + name + " \\")
        w.indented { w in
            w.line(#"--webroot --webroot-path="$WEBROOT" \"#)
            w.line(#"--email "$EMAIL" --agree-tos --no-eff-email"# + (expand ? " --expand" : "") + " \\")
            w.line(domains + " $OPTIONS")
        }
    }
}
