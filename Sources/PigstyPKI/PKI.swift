import Crypto
import Foundation
import PigstyModel
import SwiftASN1
import X509

/// A certificate authority directory as Pigsty keeps it: `ca.key` and `ca.crt` in `files/pki/ca`.
/// The certificates issued from it live in the directory above it (`files/pki/<kind>/…`).
public struct CertificateAuthority: Sendable {
    public let directory: String
    public let certificate: Certificate
    let privateKey: Certificate.PrivateKey
    /// `ca.crt` as it is on disk, installed on the nodes unchanged.
    public let certificatePEM: String

    /// `files/pki`: where the issued certificates go (`<pki>/<kind>/<name>.crt`).
    public var pkiDirectory: String { (directory as NSString).deletingLastPathComponent.isEmpty ? "." : (directory as NSString).deletingLastPathComponent }

    public enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case unreadable(String, String)
        case exists(String)
        case mismatch(String)
        case write(String, String)

        public var description: String {
            switch self {
            case .missing(let p): return "\(p) does not exist (create a CA with `pigstyc ca init`)"
            case .unreadable(let p, let why): return "cannot read \(p): \(why)"
            case .exists(let p): return "\(p) already exists; an existing CA is never overwritten"
            case .mismatch(let p): return "\(p): ca.key is not the key of ca.crt"
            case .write(let p, let why): return "cannot write \(p): \(why)"
            }
        }
    }

    /// Loads `dir/ca.key` and `dir/ca.crt` (RSA or ECDSA, as Pigsty's or `ca init`'s).
    public init(loading dir: String) throws {
        let keyPath = Self.join(dir, "ca.key"), certPath = Self.join(dir, "ca.crt")
        for p in [keyPath, certPath] where !FileManager.default.fileExists(atPath: p) { throw Failure.missing(p) }
        let keyText: String, certText: String
        do {
            keyText = try String(contentsOfFile: keyPath, encoding: .utf8)
            certText = try String(contentsOfFile: certPath, encoding: .utf8)
        } catch {
            throw Failure.unreadable(dir, "\(error)")
        }
        do {
            privateKey = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            // The key's text is never part of a message.
            throw Failure.unreadable(keyPath, "not a PEM private key")
        }
        do {
            certificate = try Certificate(pemEncoded: certText)
        } catch {
            throw Failure.unreadable(certPath, "not a PEM certificate")
        }
        guard privateKey.publicKey == certificate.publicKey else { throw Failure.mismatch(dir) }
        directory = dir
        certificatePEM = certText.hasSuffix("\n") ? certText : certText + "\n"
    }

    /// Creates a CA in `dir` (created mode 0700 when missing): `ca.key` (ECDSA P-256, mode 0600)
    /// and a self-signed `ca.crt` (CN `commonName`, O=pigsty, OU=ca, CA:TRUE pathlen:1, 36500
    /// days), as Pigsty's ca role does. Refuses when either file exists.
    @discardableResult
    public static func create(in dir: String, commonName: String = "pigsty-ca", now: Date = Date()) throws -> CertificateAuthority {
        let keyPath = join(dir, "ca.key"), certPath = join(dir, "ca.crt")
        for p in [keyPath, certPath] where FileManager.default.fileExists(atPath: p) { throw Failure.exists(p) }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure.write(dir, "\(error)")
        }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName("pigsty")
            OrganizationalUnitName("ca")
        }
        let start = Self.second(now)
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: start, notValidAfter: start.addingTimeInterval(36500 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true)
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key)
        try writeFile(try key.serializeAsPEM().pemString + "\n", to: keyPath, mode: 0o600)
        try writeFile(try cert.serializeAsPEM().pemString + "\n", to: certPath, mode: 0o644)
        return try CertificateAuthority(loading: dir)
    }

    /// Whether `cert` was signed by this CA.
    public func signed(_ cert: Certificate) -> Bool {
        cert.issuer == certificate.subject && certificate.publicKey.isValidSignature(cert.signature, for: cert)
    }

    static func join(_ dir: String, _ name: String) -> String { URL(fileURLWithPath: dir).appendingPathComponent(name).path }

    /// `date` without its fraction of a second (certificate times are whole seconds).
    static func second(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    /// Writes `text` to `path` with `mode`, atomically: a temporary file created with that mode
    /// (a key is never readable by others, not even for a moment), then renamed.
    static func writeFile(_ text: String, to path: String, mode: mode_t) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw Failure.write(path, String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); unlink(tmp); throw Failure.write(path, String(cString: strerror(errno))) }
            done += n
        }
        fchmod(fd, mode)
        guard fsync(fd) == 0, close(fd) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw Failure.write(path, String(cString: strerror(errno)))
        }
    }
}

extension KeyUsage {
    init(digitalSignature: Bool = false, keyEncipherment: Bool = false, keyCertSign: Bool = false, cRLSign: Bool = false) {
        self.init()
        self.digitalSignature = digitalSignature
        self.keyEncipherment = keyEncipherment
        self.keyCertSign = keyCertSign
        self.cRLSign = cRLSign
    }
}

/// issue: the certificates a graph asks for (`CertificateModel.requests`), each read from the pki
/// directory when it is still right for the request (same common name and alternative names,
/// signed by the CA, matching its key, not expiring within a day) and issued otherwise.
public enum CertificateIssuer {
    /// What happened to one certificate.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public enum Reason: String, Sendable { case missing = "new", names = "names changed", ca = "not signed by the CA",
                                                    expired = "expires", key = "key does not match", unreadable = "unreadable" }
        /// `files/pki`-relative path of the certificate, e.g. `etcd/etcd-1.crt`.
        public let certificate: String
        public let reason: Reason
        public var description: String { "\(certificate) (\(reason.rawValue))" }
    }

    public struct Result: Sendable {
        public let issued: IssuedCertificates
        /// The certificates issued (saved or, with `save: false`, only in memory), in request order.
        public let changes: [Change]
        /// The certificates read as they are.
        public let reused: Int
    }

    /// Reads or issues every requested certificate. With `save`, new certificates and keys are
    /// written to `<pki>/<kind>/` (keys 0600, certificates 0644) so the next run reuses them;
    /// without, nothing is written and `changes` says what would be issued.
    public static func issue(_ requests: [CertificateRequest], ca: CertificateAuthority, save: Bool,
                             now: Date = Date()) throws -> Result {
        let pki = ca.pkiDirectory
        var certs: [String: String] = [:], keys: [String: String] = [:]
        var changes: [Change] = []
        var reused = 0
        // Keys by file (shared by a PostgreSQL cluster's members): read once, made once.
        var keyFiles: [String: (pem: String, key: Certificate.PrivateKey)] = [:]
        for r in requests {
            let keyFile = CertificateAuthority.join(pki, r.keyPath)
            let certFile = CertificateAuthority.join(pki, r.certificatePath)
            if keyFiles[keyFile] == nil, let text = try? String(contentsOfFile: keyFile, encoding: .utf8),
               let key = try? Certificate.PrivateKey(pemEncoded: text) {
                keyFiles[keyFile] = (text, key)
            }
            let existing = try? String(contentsOfFile: certFile, encoding: .utf8)
            let verdict = check(existing, for: r, key: keyFiles[keyFile]?.key, ca: ca, now: now)
            if verdict == nil, let existing, let key = keyFiles[keyFile] {
                certs[r.id] = existing
                keys[r.id] = key.pem
                reused += 1
                continue
            }
            let reason: Change.Reason = existing == nil ? .missing : (verdict ?? .key)
            let key: (pem: String, key: Certificate.PrivateKey)
            if let k = keyFiles[keyFile] {
                key = k
            } else {
                let made = Certificate.PrivateKey(P256.Signing.PrivateKey())
                key = (try made.serializeAsPEM().pemString + "\n", made)
                keyFiles[keyFile] = key
                if save {
                    try makeDirectory(CertificateAuthority.join(pki, r.kind.rawValue))
                    try CertificateAuthority.writeFile(key.pem, to: keyFile, mode: 0o600)
                }
            }
            let pem = try sign(r, key: key.key, ca: ca, now: now)
            if save {
                try makeDirectory(CertificateAuthority.join(pki, r.kind.rawValue))
                try CertificateAuthority.writeFile(pem, to: certFile, mode: 0o644)
            }
            certs[r.id] = pem
            keys[r.id] = key.pem
            changes.append(Change(certificate: r.certificatePath, reason: reason))
        }
        return Result(issued: IssuedCertificates(caCertificate: ca.certificatePEM, certificates: certs, keys: keys),
                      changes: changes, reused: reused)
    }

    /// Why the certificate in `text` no longer serves `r`; nil when it does.
    static func check(_ text: String?, for r: CertificateRequest, key: Certificate.PrivateKey?, ca: CertificateAuthority,
                      now: Date) -> Change.Reason? {
        guard let text else { return .missing }
        guard let cert = try? Certificate(pemEncoded: text) else { return .unreadable }
        guard ca.signed(cert) else { return .ca }
        guard cert.notValidAfter > now.addingTimeInterval(86400), cert.notValidBefore <= now.addingTimeInterval(300) else { return .expired }
        guard let key, key.publicKey == cert.publicKey else { return .key }
        let cn = cert.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
        guard cn == [r.commonName] else { return .names }
        guard let sans = try? cert.extensions.subjectAlternativeNames else { return .names }
        var dns = Set<String>(), ips = Set<String>()
        for name in sans {
            switch name {
            case .dnsName(let d): dns.insert(d)
            case .ipAddress(let bytes): ips.insert(ipText(Array(bytes.bytes)))
            default: break
            }
        }
        guard dns == Set(r.dnsNames), ips == Set(r.ipAddresses.map { ipText(ipBytes($0) ?? []) }) else { return .names }
        return nil
    }

    /// The certificate for `r`, signed by the CA: CN and O=pigsty, OU=<module>, the request's
    /// alternative names, valid from now for `validityDays`.
    static func sign(_ r: CertificateRequest, key: Certificate.PrivateKey, ca: CertificateAuthority, now: Date) throws -> String {
        let subject = try DistinguishedName {
            CommonName(r.commonName)
            OrganizationName("pigsty")
            OrganizationalUnitName(r.organizationalUnit)
        }
        var names: [GeneralName] = r.dnsNames.map { .dnsName($0) }
        for ip in r.ipAddresses {
            if let b = ipBytes(ip) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(b)))) } else { names.append(.dnsName(ip)) }
        }
        let start = CertificateAuthority.second(now)
        let usage: ExtendedKeyUsage = r.serverOnly ? try ExtendedKeyUsage([.serverAuth]) : try ExtendedKeyUsage([.serverAuth, .clientAuth])
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: start, notValidAfter: start.addingTimeInterval(Double(r.validityDays) * 86400),
            issuer: ca.certificate.subject, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                usage
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: ca.privateKey)
        return try cert.serializeAsPEM().pemString + "\n"
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw CertificateAuthority.Failure.write(path, "\(error)")
        }
    }

    /// A dotted IPv4 address as four bytes; nil for anything else.
    static func ipBytes(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    static func ipText(_ b: [UInt8]) -> String { b.map(String.init).joined(separator: ".") }
}
