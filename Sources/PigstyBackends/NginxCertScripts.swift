import PigstyFormats
import PigstyModel
/// The certificate scripts of the nginx back end: `/etc/nginx/link-cert` points each portal
/// domain's certificate at Let's Encrypt's (when certbot has signed one) or at Pigsty's own
/// `pigsty.crt`; `/etc/nginx/sign-cert` asks certbot for one certificate per `certbot` name,
/// covering the domains of every entry that names it. Every inventory value is quoted.
extension NginxBackend {
    func linkCert(_ server: NginxServer, graph: ResourceGraph) -> String {
        var out = "#!/bin/bash\n"
        out += Header.hash("nginx certificate links", node: server.ip, inventory: graph.inventoryName)
        out += "# run by Pigsty after copying pigsty.crt/key; safe to run again\n"
        out += "set -euo pipefail\n\n"
        let dir = "/etc/nginx/conf.d/cert"
        for e in server.entries {
            guard let domain = e.domain else {
                out += "# \(Shell.comment(e.key)): no domain, nothing to link\n\n"
                continue
            }
            let crt = Shell.dq("\(dir)/\(domain).crt"), key = Shell.dq("\(dir)/\(domain).key")
            out += "# \(Shell.comment(e.key)): \(Shell.comment(e.serverNames.joined(separator: " ")))\n"
            let ownLinks = "ln -sfn \(Shell.dq("\(dir)/pigsty.crt")) \(crt)\nln -sfn \(Shell.dq("\(dir)/pigsty.key")) \(key)\n"
            if let name = e.certbot {
                let live = "/etc/letsencrypt/live/\(name)"
                out += "if [[ -f \(Shell.dq("\(live)/privkey.pem")) ]]; then\n"
                out += "    ln -sfn \(Shell.dq("\(live)/fullchain.pem")) \(crt)\n"
                out += "    ln -sfn \(Shell.dq("\(live)/privkey.pem")) \(key)\n"
                out += "else\n"
                out += ownLinks.split(separator: "\n").map { "    \($0)\n" }.joined()
                out += "fi\n\n"
            } else {
                out += ownLinks + "\n"
            }
        }
        out += "echo \"link nginx cert, check with ls -alh /etc/nginx/conf.d/cert\"\n"
        out += "ls -alh /etc/nginx/conf.d/cert\n"
        return out
    }

    func signCert(_ server: NginxServer, graph: ResourceGraph) -> String {
        var out = "#!/usr/bin/env bash\n"
        out += Header.hash("certbot certificate requests", node: server.ip, inventory: graph.inventoryName)
        out += "# run with certbot_sign: true, or by hand; extra certbot options as $1\n"
        out += "set -euo pipefail\n"
        out += "EMAIL=\(Shell.dq(server.certbot.email))\n"
        out += "WEBROOT=\(Shell.dq(server.certbot.webroot))\n"
        out += "OPTIONS=${1-\(Shell.dq(server.certbot.options))}\n\n"
        for cert in server.certificates {
            let summary = "\(cert.name) : \(cert.domains.joined(separator: ", "))"
            let ds = cert.domains.map { "-d \(Shell.dq($0))" }.joined(separator: " ")
            let name = Shell.word(cert.name)
            out += "# certificate \(Shell.comment(summary))\n"
            out += "echo \"-----------------------------------------------------------------\"\n"
            out += "echo \(Shell.dq("issue \(summary)"))\n"
            out += "if [ -f \(Shell.dq("/etc/letsencrypt/renewal/\(cert.name).conf")) ]; then\n"
            out += "    echo \"  -> Certificate exists. Attempting to expand/renew if needed...\"\n"
            out += "    certbot certonly --non-interactive --cert-name \(name) \\\n"
            out += "        --webroot --webroot-path=\"$WEBROOT\" \\\n"
            out += "        --email \"$EMAIL\" --agree-tos --no-eff-email --expand \\\n"
            out += "        \(ds) $OPTIONS\n"
            out += "else\n"
            out += "    echo \"  -> Certificate does not exist. Obtaining a new certificate...\"\n"
            out += "    certbot certonly --non-interactive --cert-name \(name) \\\n"
            out += "        --webroot --webroot-path=\"$WEBROOT\" \\\n"
            out += "        --email \"$EMAIL\" --agree-tos --no-eff-email \\\n"
            out += "        \(ds) $OPTIONS\n"
            out += "fi\n"
            out += "echo \(Shell.dq("  -> Done for \(cert.name): \(cert.domains.joined(separator: ", "))"))\n"
            out += "echo\n\n"
        }
        out += "echo \"-----------------------------------------------------------------\"\n"
        out += "echo \"All certificate operations finished.\"\n"
        out += "echo \"Now you can link certs with /etc/nginx/link-cert\"\n"
        out += "/etc/nginx/link-cert\n"
        out += "ls -alh /etc/nginx/conf.d/cert\n"
        return out
    }
}
