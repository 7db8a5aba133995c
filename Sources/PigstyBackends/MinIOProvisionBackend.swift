import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// MinIO provisioning inputs: `/tmp/<bucket>.json` on the first member of each MinIO cluster, the
/// access policy `mcli admin policy create <alias> <bucket> /tmp/<bucket>.json` installs for each
/// bucket of `minio_buckets` (`graph.minioProvision`). Creating the buckets, policies and users is
/// a step against the running cluster (the lifecycle's, not a file's); these files are its input.
struct MinIOProvisionBackend: Backend {
    let name = "minio-provision"
    static let apply = ApplyClass.in(.minio)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for c in graph.minioProvision.clusters {
            for b in c.buckets {
                tree.add(GeneratedFile(path: "/tmp/\(b.name).json", content: Self.policy(b), owner: "root", group: "root",
                                       mode: 0o644, producer: "minio-provision:\(c.cluster)", apply: Self.apply),
                         on: c.ip)
            }
        }
    }

    /// Full access to the bucket and everything in it.
    static func policy(_ b: MinIOBucket) -> String {
        let statement: JSONWriter.Value = .object([
            ("Effect", .string("Allow")),
            ("Action", .string("s3:*")),
            ("Resource", .array([.string("arn:aws:s3:::\(b.name)"), .string("arn:aws:s3:::\(b.name)/*")])),
        ])
        return JSONWriter.render(.object([("Version", .string("2012-10-17")), ("Statement", .array([statement]))])) + "\n"
    }
}
