import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyModel
@testable import PigstyBackends

/// The bucket policies MinIO provisioning installs: on the first member (Ansible's string sort of
/// the members) of each MinIO cluster, one `/tmp/<bucket>.json` per bucket.
struct MinIOProvisionTests {
    static let text = """
    all:
      children:
        minio:
          hosts: { 10.10.10.9: { minio_seq: 1 }, 10.10.10.10: { minio_seq: 2 } }
          vars: { minio_cluster: minio, minio_buckets: [{ name: pgsql }, { name: meta.v2, versioning: true }] }
      vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
    """

    @Test func policiesGoToTheFirstSortedMember() throws {
        let e = try emit(Self.text, [MinIOProvisionBackend()])
        // "10.10.10.10" sorts before "10.10.10.9" as a string, as in Pigsty.
        #expect(e.tree.files(on: "10.10.10.10").map(\.path) == ["/tmp/meta.v2.json", "/tmp/pgsql.json"])
        #expect(e.tree.files(on: "10.10.10.9").isEmpty)
        let policy = try #require(e.tree.file("/tmp/pgsql.json", on: "10.10.10.10")).content
        let json = try #require(try JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any])
        let statement = try #require((json["Statement"] as? [[String: Any]])?.first)
        #expect(statement["Resource"] as? [String] == ["arn:aws:s3:::pgsql", "arn:aws:s3:::pgsql/*"])
        #expect(statement["Action"] as? String == "s3:*" && json["Version"] as? String == "2012-10-17")
        #expect(e.graph.minioProvision.clusters.first?.buckets.last == MinIOBucket(name: "meta.v2", versioning: true, lock: false))
    }

    @Test func bucketNamesAreS3Names() {
        for bad in ["../etc", "Upper", "a", "x/y", "-lead"] {
            let sink = DiagnosticSink()
            Frontend.check(SourceFile(path: "pigsty.yml", text: Self.text.replacingOccurrences(of: "name: pgsql", with: "name: '\(bad)'")), sink: sink)
            #expect(sink.diagnostics.contains { $0.id == "PGS0305" && $0.range != nil }, "\(bad)")
        }
    }
}
