import Crypto
import Foundation

/// The Ed25519 key that signs apply bundles (`bundle --sign-key FILE`, `key init DIR`). Both
/// halves are kept as PEM, the forms OpenSSL reads: the private key as PKCS#8
/// (`BEGIN PRIVATE KEY`), the public key as SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`), so a node
/// verifies with `openssl pkeyutl -verify -pubin -inkey bundle.pub -rawin`.
public struct BundleSigner: Sendable {
    public struct KeyError: Error, CustomStringConvertible { public let description: String }

    /// The 32-byte private key (the key type itself is not Sendable).
    private let raw: [UInt8]
    private var key: Curve25519.Signing.PrivateKey {
        // `raw` is 32 bytes, checked by `init`.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) ?? Curve25519.Signing.PrivateKey()
    }

    // DER prefixes of the two encodings for Ed25519 (OID 1.3.101.112); the 32 key bytes follow.
    private static let privatePrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                                 0x04, 0x22, 0x04, 0x20]
    private static let publicPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    public init() { raw = Array(Curve25519.Signing.PrivateKey().rawRepresentation) }

    /// Reads a private key written by `privatePEM`.
    public init(pem: String) throws {
        let der = try Self.der(pem, label: "PRIVATE KEY")
        guard der.count == Self.privatePrefix.count + 32, Array(der.prefix(Self.privatePrefix.count)) == Self.privatePrefix else {
            throw KeyError(description: "not an Ed25519 private key")
        }
        raw = Array(try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)).rawRepresentation)
    }

    public var privatePEM: String { Self.pem(Self.privatePrefix + Array(key.rawRepresentation), label: "PRIVATE KEY") }
    public var publicPEM: String { Self.pem(Self.publicPrefix + Array(key.publicKey.rawRepresentation), label: "PUBLIC KEY") }

    /// The detached signature of `bytes` (64 bytes, what `openssl pkeyutl -rawin -sigfile` reads).
    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        // Ed25519 signing fails only for a malformed key, which `init` refuses.
        Array((try? key.signature(for: bytes)) ?? Data())
    }

    /// Whether `signature` is `bytes` signed by the key of `publicPEM`.
    public static func verify(_ signature: [UInt8], of bytes: [UInt8], publicPEM: String) -> Bool {
        guard let der = try? der(publicPEM, label: "PUBLIC KEY"), der.count == publicPrefix.count + 32,
              Array(der.prefix(publicPrefix.count)) == publicPrefix,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32)) else { return false }
        return key.isValidSignature(signature, for: bytes)
    }

    /// The public key file beside a private key file: `bundle.key` → `bundle.pub`, else `FILE.pub`.
    public static func publicPath(for keyPath: String) -> String {
        (keyPath.hasSuffix(".key") ? String(keyPath.dropLast(4)) : keyPath) + ".pub"
    }

    private static func pem(_ der: [UInt8], label: String) -> String {
        let b64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(b64)\n-----END \(label)-----\n"
    }

    private static func der(_ pem: String, label: String) throws -> [UInt8] {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(of: "-----BEGIN \(label)-----"),
              let end = lines.firstIndex(of: "-----END \(label)-----"), start < end,
              let data = Data(base64Encoded: lines[(start + 1)..<end].joined()) else {
            throw KeyError(description: "no '\(label)' PEM block")
        }
        return Array(data)
    }
}
