import Foundation
import PigstyModel
import PigstyPKI

@_exported import struct PigstyPKI.CertificateAuthority
@_exported import enum PigstyPKI.CertificateIssuer

/// The `issue` stage of a build (`compile --ca DIR`): between lower and emit, reads the
/// certificates the graph needs from the CA's pki directory, issuing those that are missing or no
/// longer right (`CertificateIssuer`). After the build, `result` says what it issued, or `error`
/// why it failed.
public final class CertificateStage: @unchecked Sendable {
    public let ca: CertificateAuthority
    /// Write new certificates and keys beside the CA (false: issue them in memory only, as
    /// `compile --check` and `diff` do).
    public let save: Bool
    public let now: Date
    public private(set) var result: CertificateIssuer.Result?
    public private(set) var error: Error?

    public init(ca: CertificateAuthority, save: Bool, now: Date = Date()) {
        self.ca = ca
        self.save = save
        self.now = now
    }

    /// The graph with its certificates set; nil (and `error`) when issuing failed.
    func run(_ graph: ResourceGraph) -> ResourceGraph? {
        do {
            let r = try CertificateIssuer.issue(graph.certificates.requests, ca: ca, save: save, now: now)
            result = r
            var g = graph
            g.issued = r.issued
            return g
        } catch {
            self.error = error
            return nil
        }
    }
}
