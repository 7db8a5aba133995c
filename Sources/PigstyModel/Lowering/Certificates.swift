import Foundation
import PigstyInventory
import PigstyYAML

/// The certificates Pigsty's roles issue from its CA (`files/pki/ca`) and where each node gets
/// them: one request per certificate, with the names and addresses it must cover.
public struct CertificateModel: Sendable {
    /// Every certificate the inventory needs, sorted by `id` (`etcd/etcd-1`, `pgsql/pg-meta-1`, …).
    public let requests: [CertificateRequest]
    /// Where each node installs its certificates, keys and the CA certificate, in node then path order.
    public let installs: [CertificateInstall]

    init(requests: [CertificateRequest] = [], installs: [CertificateInstall] = []) {
        self.requests = requests
        self.installs = installs
    }

    /// The request with this id.
    public func request(_ id: String) -> CertificateRequest? { requests.first { $0.id == id } }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> CertificateModel {
        var requests: [String: CertificateRequest] = [:]
        var installs: [CertificateInstall] = []
        func request(_ r: CertificateRequest) {
            // The same certificate asked for twice (a shared nginx certificate): the names of both.
            if let old = requests[r.id] {
                requests[r.id] = old.covering(r)
            } else {
                requests[r.id] = r
            }
        }
        // node role: every node trusts the CA as /etc/pki/ca.crt.
        for n in graph.nodes {
            installs.append(CertificateInstall(node: n.ip, kind: .ca, path: "/etc/pki/ca.crt", content: .caCertificate,
                                               owner: "root", group: "root", mode: 0o644))
        }
        // etcd role: files/pki/etcd/<etcd_instance>.{crt,key} as /etc/etcd/server.{crt,key}.
        for m in graph.etcd.members {
            guard let h = graph.node(m.ip)?.host else { continue }
            let id = "etcd/\(m.name)"
            request(CertificateRequest(kind: .etcd, name: m.name, keyName: m.name, commonName: m.name,
                                       dnsNames: ["localhost", m.name], ipAddresses: ["127.0.0.1", m.ip],
                                       validityDays: Self.days(h.value("cert_validity"), default: 7300)))
            installs += Self.triple(node: m.ip, kind: .etcd, id: id, dir: "/etc/etcd", cert: "server.crt", key: "server.key",
                                    ca: "ca.crt", owner: "etcd", group: "etcd", caGroup: "etcd", keyMode: 0o600)
        }
        // pgsql role: one key per cluster (files/pki/pgsql/<pg_cluster>.key), one certificate per
        // instance (<pg_cluster>-<pg_seq>.crt), installed in /pg/cert.
        for ins in graph.pgInstances {
            let h = ins.host
            let dbsu = h.string("pg_dbsu") ?? "postgres"
            let id = "pgsql/\(ins.name)"
            request(CertificateRequest(kind: .pgsql, name: ins.name, keyName: ins.cluster, commonName: ins.name,
                                       dnsNames: ["localhost", ins.cluster, ins.name], ipAddresses: ["127.0.0.1", ins.ip],
                                       validityDays: Self.days(h.value("cert_validity"), default: 7300)))
            installs += Self.triple(node: ins.ip, kind: .pgsql, id: id, dir: "/pg/cert", cert: "server.crt", key: "server.key",
                                    ca: "ca.crt", owner: dbsu, group: "postgres", caGroup: dbsu, keyMode: 0o600)
        }
        // infra role: files/pki/infra/infra-<infra_seq>.{crt,key} as /etc/pki/infra.{crt,key}.
        for n in graph.infraNodes {
            guard let seq = n.host.value("infra_seq").flatMap({ $0.int }) else { continue }
            let name = "infra-\(seq)"
            request(CertificateRequest(kind: .infra, name: name, keyName: name, commonName: n.ip,
                                       dnsNames: Self.unique(["localhost", n.nodename]), ipAddresses: Self.unique(["127.0.0.1", n.ip]),
                                       validityDays: Self.days(n.host.value("cert_validity"), default: 7300)))
            installs.append(CertificateInstall(node: n.ip, kind: .infra, path: "/etc/pki/infra.crt", content: .certificate("infra/\(name)"),
                                               owner: "root", group: "infra", mode: 0o644))
            installs.append(CertificateInstall(node: n.ip, kind: .infra, path: "/etc/pki/infra.key", content: .key("infra/\(name)"),
                                               owner: "root", group: "infra", mode: 0o640))
        }
        // nginx (infra role): one certificate for the portal, files/pki/nginx/pigsty.{crt,key},
        // naming i.pigsty, every portal domain, localhost and the nginx servers' addresses.
        for s in graph.portal.servers {
            guard let n = graph.node(s.ip) else { continue }
            let domains = ["i.pigsty"] + s.entries.compactMap(\.domain)
            request(CertificateRequest(kind: .nginx, name: "pigsty", keyName: "pigsty", commonName: "pigsty",
                                       dnsNames: Self.unique(domains + ["localhost"]), ipAddresses: [s.ip],
                                       validityDays: Self.days(n.host.value("nginx_cert_validity"), default: 397),
                                       serverOnly: true))
            installs.append(CertificateInstall(node: s.ip, kind: .nginx, path: "/etc/nginx/conf.d/cert/pigsty.crt",
                                               content: .certificate("nginx/pigsty"), owner: "root", group: "nginx", mode: 0o644))
            installs.append(CertificateInstall(node: s.ip, kind: .nginx, path: "/etc/nginx/conf.d/cert/pigsty.key",
                                               content: .key("nginx/pigsty"), owner: "root", group: "nginx", mode: 0o640))
            installs.append(CertificateInstall(node: s.ip, kind: .nginx, path: s.settings.home + "/ca.crt",
                                               content: .caCertificate, owner: "root", group: "nginx", mode: 0o644))
        }
        // minio role (minio_https): files/pki/minio/<minio_instance>.{crt,key} in ~minio_user/.minio/certs.
        for c in graph.minioClusters {
            for ip in c.members {
                guard let h = graph.node(ip)?.host, Jinja.bool(h.value("minio_https"), default: true),
                      let seq = h.value("minio_seq").map({ Jinja.str($0) }), !seq.isEmpty else { continue }
                let cluster = h.string("minio_cluster") ?? c.name
                let instance = "\(cluster)-\(seq)"
                let pattern = h.string("minio_node") ?? "${minio_cluster}-${minio_seq}.pigsty"
                let nodename = pattern.replacingOccurrences(of: "${minio_cluster}", with: cluster)
                    .replacingOccurrences(of: "${minio_seq}", with: seq)
                let domain = h.string("minio_domain") ?? "sss.pigsty"
                let user = h.string("minio_user") ?? "minio"
                let id = "minio/\(instance)"
                request(CertificateRequest(kind: .minio, name: instance, keyName: instance, commonName: nodename,
                                           dnsNames: Self.unique(["localhost", nodename, cluster, instance, domain]),
                                           ipAddresses: Self.unique(["127.0.0.1", ip]),
                                           validityDays: Self.days(h.value("cert_validity"), default: 7300)))
                let dir = "/home/\(user)/.minio/certs"
                installs.append(CertificateInstall(node: ip, kind: .minio, path: dir + "/CAs/ca.crt", content: .caCertificate,
                                                   owner: user, group: "minio", mode: 0o644))
                installs.append(CertificateInstall(node: ip, kind: .minio, path: dir + "/public.crt", content: .certificate(id),
                                                   owner: user, group: "minio", mode: 0o644))
                installs.append(CertificateInstall(node: ip, kind: .minio, path: dir + "/private.key", content: .key(id),
                                                   owner: user, group: "minio", mode: 0o600))
            }
        }
        return CertificateModel(requests: requests.values.sorted { $0.id < $1.id },
                                installs: installs.sorted { ($0.node, $0.path) < ($1.node, $1.path) })
    }

    private static func triple(node: String, kind: CertificateKind, id: String, dir: String, cert: String, key: String,
                               ca: String, owner: String, group: String, caGroup: String, keyMode: Int) -> [CertificateInstall] {
        [CertificateInstall(node: node, kind: kind, path: "\(dir)/\(ca)", content: .caCertificate, owner: owner, group: caGroup, mode: 0o644),
         CertificateInstall(node: node, kind: kind, path: "\(dir)/\(cert)", content: .certificate(id), owner: owner, group: group, mode: 0o644),
         CertificateInstall(node: node, kind: kind, path: "\(dir)/\(key)", content: .key(id), owner: owner, group: group, mode: keyMode)]
    }

    /// An interval such as `7300d` as days (Ansible's `+7300d`); `default` when it is not one.
    static func days(_ value: YAMLNode?, default fallback: Int) -> Int {
        guard let value else { return fallback }
        var text = Jinja.str(value).trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("+") { text.removeFirst() }
        if text.hasSuffix("d") { text.removeLast() }
        guard let n = Int(text), n > 0, n <= 36500 else { return fallback }
        return n
    }

    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// The Pigsty module a certificate belongs to; its raw value is the directory beside the CA
/// (`files/pki/<kind>`).
public enum CertificateKind: String, Sendable, CaseIterable, Comparable {
    /// The CA certificate itself, installed on every node.
    case ca
    case etcd, pgsql, infra, nginx, minio

    public static func < (a: CertificateKind, b: CertificateKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One certificate to issue from the CA: `files/pki/<kind>/<name>.crt`, signed for `keyName`'s key.
public struct CertificateRequest: Sendable, Equatable {
    public let kind: CertificateKind
    /// The certificate's file name without `.crt`.
    public let name: String
    /// The private key's file name without `.key` (a PostgreSQL cluster's members share one).
    public let keyName: String
    public let commonName: String
    /// The organizational unit Pigsty gives it: the module's name (`postgres` for pgsql).
    public var organizationalUnit: String { kind == .pgsql ? "postgres" : kind.rawValue }
    /// The DNS and IP subject alternative names, in Pigsty's order.
    public let dnsNames: [String]
    public let ipAddresses: [String]
    /// `cert_validity` (`nginx_cert_validity` for nginx) in days.
    public let validityDays: Int
    /// A server certificate only (nginx): key usage digitalSignature and keyEncipherment,
    /// extended key usage serverAuth. The others also authenticate clients (etcd peers, patronictl).
    public let serverOnly: Bool

    public init(kind: CertificateKind, name: String, keyName: String, commonName: String, dnsNames: [String],
                ipAddresses: [String], validityDays: Int, serverOnly: Bool = false) {
        self.kind = kind
        self.name = name
        self.keyName = keyName
        self.commonName = commonName
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.validityDays = validityDays
        self.serverOnly = serverOnly
    }

    /// `<kind>/<name>`, the certificate's path below the pki directory without `.crt`.
    public var id: String { "\(kind.rawValue)/\(name)" }
    public var certificatePath: String { "\(kind.rawValue)/\(name).crt" }
    public var keyPath: String { "\(kind.rawValue)/\(keyName).key" }

    /// The request naming what both name (the shared nginx certificate of several infra nodes).
    func covering(_ other: CertificateRequest) -> CertificateRequest {
        CertificateRequest(kind: kind, name: name, keyName: keyName, commonName: commonName,
                           dnsNames: CertificateModel.unique(dnsNames + other.dnsNames),
                           ipAddresses: CertificateModel.unique(ipAddresses + other.ipAddresses),
                           validityDays: validityDays, serverOnly: serverOnly)
    }
}

/// A file of a certificate installed on a node.
public struct CertificateInstall: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case caCertificate
        /// The certificate of the request with this id.
        case certificate(String)
        /// The private key of the request with this id.
        case key(String)
    }

    public let node: String
    /// The module that installs it: decides its apply step.
    public let kind: CertificateKind
    public let path: String
    public let content: Content
    public let owner: String
    public let group: String
    public let mode: Int
}

/// The certificates and keys read from (or issued into) the pki directory, for the requests of a
/// `CertificateModel`: PEM text by request id. Set on the graph by the `issue` stage.
public struct IssuedCertificates: Sendable, Equatable {
    public let caCertificate: String
    public let certificates: [String: String]
    public let keys: [String: String]

    public init(caCertificate: String, certificates: [String: String], keys: [String: String]) {
        self.caCertificate = caCertificate
        self.certificates = certificates
        self.keys = keys
    }
}
