import PigstyModel

/// `/pg/bin/pg-dcs-sync CONFIG`: pigstyc's own script (no Pigsty counterpart). Patroni copies
/// `bootstrap.dcs` into the DCS once, when it bootstraps the cluster, and reads it from there
/// afterwards, so an inventory change of `pg_max_conn`, the tuning, `pg_rto`, `pg_rpo` or the sync mode never reaches a
/// running cluster. (`pg_parameters` are not among them: they live in `postgresql.auto.conf`.) Run on the primary after each change of its configuration file, the script
/// reads that file's `bootstrap.dcs` (with the YAML parser Patroni itself uses), compares it with
/// what Patroni's REST API says the DCS holds, and PATCHes the difference: keys the file sets are
/// set, `postgresql.parameters` the file no longer has are removed, other keys of the DCS (`pause`,
/// a standby cluster's settings, anything set by hand) are left alone. It then reports the members
/// Patroni marks as pending restart. Idempotent: without a difference it changes nothing.
///
/// The API password is read from the file (never a command argument); TLS verifies the API's
/// certificate against the CA the file names.
enum PatroniDCSSync {
    static let path = "/pg/bin/pg-dcs-sync"

    static let script = #"""
#!/usr/bin/python3
# pigstyc: pg-dcs-sync, the dynamic configuration of a Patroni configuration file into the DCS; do not edit
# usage: pg-dcs-sync /pg/conf/<instance>.yml   (run on the cluster's primary)
import base64, json, ssl, sys, time, urllib.request
import yaml

# The DCS keys the inventory owns entirely: what the file no longer sets is removed.
OWNED = (("postgresql", "parameters"),)
# Left to the operator: promoting or demoting a standby cluster is not a configuration sync.
SKIPPED = ("standby_cluster",)


def difference(want, have, path=()):
    patch = {}
    for key, value in want.items():
        if not path and key in SKIPPED:
            continue
        old = have.get(key) if isinstance(have, dict) else None
        if isinstance(value, dict) and isinstance(old, dict):
            sub = difference(value, old, path + (key,))
            if sub:
                patch[key] = sub
        elif value != old:
            patch[key] = value
    if path in OWNED and isinstance(have, dict):
        for key in have:
            if key not in want:
                patch[key] = None
    return patch


def keys(patch, prefix=""):
    for key, value in sorted(patch.items()):
        if isinstance(value, dict) and value:
            yield from keys(value, prefix + key + ".")
        else:
            yield prefix + key + ("" if value is not None else " (removed)")


def main(argv):
    if len(argv) != 2:
        print("usage: pg-dcs-sync CONFIG", file=sys.stderr)
        return 64
    with open(argv[1], encoding="utf-8") as f:
        conf = yaml.safe_load(f)
    want = ((conf.get("bootstrap") or {}).get("dcs")) or {}
    api = conf.get("restapi") or {}
    tls = bool(api.get("certfile"))
    base = ("https://" if tls else "http://") + str(api["connect_address"])
    context = None
    if tls:
        context = ssl.create_default_context(cafile=api.get("cafile") or api.get("cacert") or "/pg/cert/ca.crt")
    headers = {"Content-Type": "application/json"}
    auth = api.get("authentication") or {}
    if auth.get("username"):
        token = "%s:%s" % (auth["username"], auth.get("password") or "")
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode("utf-8")).decode("ascii")

    def call(method, url, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(base + url, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            text = response.read()
        return json.loads(text) if text.strip() else None

    def pending_restart():
        cluster = call("GET", "/cluster") or {}
        return sorted(m.get("name", "?") for m in cluster.get("members", []) if m.get("pending_restart"))

    have = call("GET", "/config") or {}
    patch = difference(want, have)
    if not patch:
        print("pg-dcs-sync: the DCS already holds this configuration")
        pending = pending_restart()
    else:
        call("PATCH", "/config", patch)
        print("pg-dcs-sync: updated " + ", ".join(keys(patch)))
        # Patroni applies the change in its next loop and then marks the members that need a restart.
        deadline = time.monotonic() + int(want.get("loop_wait") or 10) + 5
        pending = []
        while not pending and time.monotonic() < deadline:
            time.sleep(1)
            pending = pending_restart()
    if pending:
        print("pg-dcs-sync: pending restart: " + ", ".join(pending)
              + " (restart them one at a time, replicas first: patronictl restart <cluster> <member>)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""#
}
