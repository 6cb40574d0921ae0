#!/usr/bin/env python3
"""End-to-end latency of a JMAP Mailbox/get: directly to Cyrus (JWT) vs through Apache with
mod_mailtoken (mailtoken bearer token -> verify -> JWT -> Cyrus), measured in one run.

Starts its own Cyrus, Apache and SQLite token store on loopback (tests/integration/
jmap_fixture.py), alternates the paths request by request over keep-alive connections so
all see the same machine state, and prints median and p99 side by side. A third path,
Apache's proxy without the module (client's own JWT), separates the module's cost from
the cost of having a proxy at all.

  python3 benchmarks/jmap_latency.py --build-dir build/release [--requests 2000] [--mpm prefork]

Target (issue 3): the module adds at most 0.2 ms at the median.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.environ.get("MAILTOKEN_BUILD_DIR", os.path.join(SOURCE_DIR, "build")))
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--mpm", choices=("event", "prefork"), default="event", help="Apache MPM")
    args = parser.parse_args()
    os.environ["MAILTOKEN_APACHE_MPM"] = args.mpm
    os.environ["MAILTOKEN_APACHE_PLAIN_PROXY"] = "1"
    os.environ["MAILTOKEN_BUILD_DIR"] = os.path.abspath(args.build_dir)
    os.environ["MAILTOKEN_SOURCE_DIR"] = SOURCE_DIR
    sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
    import jmap_fixture as fx

    missing = fx.prerequisites_missing()
    if missing:
        sys.exit("jmap_latency: not built or not installed: " + missing)
    # Last use is written at most once a minute per token, as in production.
    stack = fx.Stack(users=("alice",), last_used_interval=60)
    try:
        stack.start()
        token, _ = stack.create_token("alice", "--read-only")
        body = json.dumps({"using": [fx.CORE, fx.MAIL], "methodCalls": [["Mailbox/get", {}, "m"]]})
        direct = http.client.HTTPConnection("127.0.0.1", stack.cyrus_port, timeout=10)
        gateway = http.client.HTTPConnection("127.0.0.1", stack.apache_port, timeout=10)
        plain = http.client.HTTPConnection("127.0.0.1", stack.apache_port, timeout=10)
        jwt = {"value": stack.jwt("alice"), "at": time.monotonic()}

        def one(conn, authorization, path="/jmap/"):
            start = time.perf_counter()
            conn.request("POST", path, body=body,
                         headers={"Authorization": authorization, "Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            elapsed = time.perf_counter() - start
            if resp.status != 200 or b'"Mailbox/get"' not in data:
                raise RuntimeError("unexpected answer %d: %r" % (resp.status, data[:200]))
            return elapsed

        def fresh_jwt():
            if time.monotonic() - jwt["at"] > 20:  # Cyrus's http_jwt_max_age is 60 s
                jwt["value"], jwt["at"] = stack.jwt("alice"), time.monotonic()
            return "Bearer " + jwt["value"]

        def direct_once():
            return one(direct, fresh_jwt())

        def plain_once():  # Apache's proxy alone, the client's JWT passed through
            return one(plain, fresh_jwt(), "/plain/jmap/")

        def gateway_once():
            return one(gateway, "Bearer " + token)

        paths = [("direct", direct_once), ("plain", plain_once), ("gateway", gateway_once)]
        for _ in range(args.warmup):
            for _, fn in paths:
                fn()
        times = {name: [] for name, _ in paths}
        for i in range(args.requests):
            rotated = paths[i % 3:] + paths[:i % 3]  # no path always goes first
            for name, fn in rotated:
                times[name].append(fn())
        direct_times, plain_times, gateway_times = times["direct"], times["plain"], times["gateway"]
        for conn in (direct, gateway, plain):
            conn.close()
    finally:
        stack.stop()

    ms = lambda s: s * 1000.0
    d_med, g_med = ms(statistics.median(direct_times)), ms(statistics.median(gateway_times))
    d_p99, g_p99 = ms(percentile(direct_times, 99)), ms(percentile(gateway_times, 99))
    p_med, p_p99 = ms(statistics.median(plain_times)), ms(percentile(plain_times, 99))
    print("JMAP Mailbox/get latency, %d requests per path (keep-alive, loopback, Apache mpm_%s)"
          % (args.requests, args.mpm))
    print("%-28s %10s %10s" % ("", "median ms", "p99 ms"))
    print("%-28s %10.3f %10.3f" % ("direct to Cyrus (JWT)", d_med, d_p99))
    print("%-28s %10.3f %10.3f" % ("Apache proxy, no module", p_med, p_p99))
    print("%-28s %10.3f %10.3f" % ("Apache + mod_mailtoken", g_med, g_p99))
    print("%-28s %+10.3f %+10.3f" % ("gateway - direct", g_med - d_med, g_p99 - d_p99))
    print("%-28s %10.2f %10.2f" % ("gateway / direct", g_med / d_med, g_p99 / d_p99))
    print("%-28s %+10.3f %+10.3f" % ("module alone (gw - proxy)", g_med - p_med, g_p99 - p_p99))


if __name__ == "__main__":
    main()
