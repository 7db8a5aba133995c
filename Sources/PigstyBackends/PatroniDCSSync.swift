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
# usage: pg-dcs-sync /pg/conf/<instance>.yml                     (on the cluster's primary)
#        pg-dcs-sync --restart-pending /pg/conf/<instance>.yml   (on a replica: restart it if pending)
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
    restart = len(argv) == 3 and argv[1] == "--restart-pending"
    if restart:
        argv = [argv[0], argv[2]]
    if len(argv) != 2:
        print("usage: pg-dcs-sync [--restart-pending] CONFIG", file=sys.stderr)
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

    def call(method, url, body=None, timeout=10):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(base + url, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            text = response.read()
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return None

    if restart:
        return restart_pending(call, int(want.get("loop_wait") or 10))

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


def restart_pending(call, loop_wait):
    # A changed setting is marked pending restart within Patroni's next loop.
    deadline = time.monotonic() + loop_wait + 5
    while not (call("GET", "/patroni") or {}).get("pending_restart"):
        if time.monotonic() >= deadline:
            print("pg-dcs-sync: no restart pending on this member")
            return 0
        time.sleep(1)
    print("pg-dcs-sync: restarting this member (pending restart)")
    # Patroni restarts PostgreSQL before it answers; a failure is an HTTP error.
    call("POST", "/restart", {"restart_pending": True}, timeout=600)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            me = call("GET", "/patroni") or {}
        except OSError:
            me = {}
        # Running again is enough: a lower max_connections (and the like) stays pending on a
        # replica until the primary restarts, as Patroni keeps a replica at the primary's values.
        if me.get("state") == "running":
            print("pg-dcs-sync: restarted")
            return 0
        time.sleep(2)
    print("pg-dcs-sync: the member is not running again after 300 s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""#
}
