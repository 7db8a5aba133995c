import PigstyDiagnostics
import PigstyModel

/// Certificates: the CA certificate, each node's certificates and private keys, at the paths,
/// owners and modes Pigsty's node, etcd, pgsql, infra, nginx and minio roles copy them to
/// (`graph.certificates`), with the PEM text the `issue` stage read or issued (`graph.issued`).
/// Without issued certificates (no `--ca`), nothing.
struct CertificateBackend: Backend {
    let name = "certificates"

    /// What a changed certificate or key does, by the module that installs it.
    static func apply(_ kind: CertificateKind) -> ApplyClass {
        switch kind {
        case .ca: return .in(.node)
        case .etcd: return .in(.etcd, .restart("etcd"))
        // PostgreSQL reads its certificate files again on reload.
        case .pgsql: return .in(.pgsql, .reload("patroni"))
        // Read by vmetrics, vmalert and patronictl for each connection.
        case .infra: return .in(.infra)
        case .nginx: return .in(.infra, .reload("nginx"))
        case .minio: return .in(.minio, .restart("silo"))
        }
    }

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        guard let issued = graph.issued else { return }
        for i in graph.certificates.installs {
            let content: String, secrets: [String]
            switch i.content {
            case .caCertificate:
                (content, secrets) = (issued.caCertificate, [])
            case .certificate(let id):
                guard let pem = issued.certificates[id] else { continue }
                (content, secrets) = (pem, [])
            case .key(let id):
                guard let pem = issued.keys[id] else { continue }
                // The whole key and each of its lines: diff masks whatever part of it shows.
                (content, secrets) = (pem, [pem] + Self.secretLines(pem))
            }
            tree.add(GeneratedFile(path: i.path, content: content, owner: i.owner, group: i.group, mode: i.mode,
                                   producer: "cert:\(i.kind.rawValue)", apply: Self.apply(i.kind), secrets: secrets),
                     on: i.node)
            let dir = FilePaths.parent(i.path)
            if i.kind == .minio {
                // ~minio/.minio/certs and its CAs directory: 0750, as Pigsty creates them.
                let certs = dir.hasSuffix("/CAs") ? FilePaths.parent(dir) : dir
                for d in [certs, certs + "/CAs"] {
                    tree.addDirectory(NodeDirectory(path: d, owner: i.owner, group: i.group, mode: 0o750,
                                                    producer: "cert:minio", step: .minio), on: i.node)
                }
            }
        }
    }

    /// The base64 lines of a PEM block (not its BEGIN/END lines).
    static func secretLines(_ pem: String) -> [String] {
        pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 16 }
    }
}
