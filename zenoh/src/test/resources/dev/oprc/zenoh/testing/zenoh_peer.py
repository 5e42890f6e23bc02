#!/usr/bin/env python3
"""Real-Zenoh peer for the pure-Java client's interop tests (eclipse-zenoh==1.10.2).

Opens a Zenoh session (router listening on 127.0.0.1:PORT, client connecting to an endpoint, or peer
listening and/or connecting to several),
multicast scouting off. TLS links (tls/ endpoints, a tls listener) take their certificates from
the --tls-* options (transport/link/tls/* of the Zenoh configuration). Declares subscribers given by --sub and reports every sample as one JSON
line on stdout ({"event":"sample",...}; binary fields base64). Keys starting with --count-prefix are
only counted (for throughput runs). Commands arrive as JSON lines on stdin; every command is
answered by one JSON line with "event" set to the command's op + "_done" (or "error").
"""
import argparse
import base64
import json
import sys
import threading
import time

try:
    import zenoh
except ImportError:  # pragma: no cover - reported to the Java side
    print(json.dumps({"event": "fatal", "message": "python module 'zenoh' missing: pip install eclipse-zenoh==1.10.2"}), flush=True)
    sys.exit(3)

_out_lock = threading.Lock()


def emit(obj):
    line = json.dumps(obj, separators=(",", ":"))
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def pattern(n):
    """Deterministic payload of n bytes (Java side: QueryInteropTest.pattern)."""
    base = b"0123456789abcdef"
    return (base * (n // 16 + 1))[:n]


def zb(data):
    return None if data is None else data.to_bytes()


def reply_json(reply):
    if reply.ok is not None:
        s = reply.ok
        return {"ok": True, "key": str(s.key_expr), "kind": str(s.kind), "payload": b64(zb(s.payload)),
                "encoding": str(s.encoding), "attachment": b64(zb(s.attachment))}
    e = reply.err
    return {"ok": False, "payload": b64(zb(e.payload)), "encoding": str(e.encoding)}


TARGETS = {"BEST_MATCHING": zenoh.QueryTarget.BEST_MATCHING, "ALL": zenoh.QueryTarget.ALL,
           "ALL_COMPLETE": zenoh.QueryTarget.ALL_COMPLETE}


def make_query_handler(name):
    """Python queryable behaviour driven by selector parameters (see PythonZenohProcess.declareQueryable)."""
    def on_query(query):
        params = query.parameters
        payload = zb(query.payload)
        emit({"event": "query", "name": name, "selector": str(query.selector), "key": str(query.key_expr),
              "params": str(params), "payload": b64(payload), "attachment": b64(zb(query.attachment)),
              "encoding": str(query.encoding) if query.encoding is not None else None})
        sleep_ms = params.get("sleep_ms")
        if sleep_ms:
            time.sleep(int(sleep_ms) / 1000.0)
        key = params.get("reply_key") or str(query.key_expr)
        if params.get("err"):
            query.reply_err(b"py-err:" + params.get("err").encode(), encoding=zenoh.Encoding("text/plain"))
        elif params.get("size"):
            query.reply(key, pattern(int(params.get("size"))), encoding=zenoh.Encoding("application/octet-stream"))
        else:
            kwargs = {}
            if query.attachment is not None:
                kwargs["attachment"] = zb(query.attachment)
            if query.encoding is not None:
                kwargs["encoding"] = query.encoding
            query.reply(key, b"py:" + (payload or b""), **kwargs)
        query.drop()
    return on_query


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock"):
            self.count = 0
            self.bytes = 0
            self.first_ns = 0
            self.last_ns = 0

    def hit(self, n):
        now = time.monotonic_ns()
        with self.lock:
            if self.count == 0:
                self.first_ns = now
            self.count += 1
            self.bytes += n
            self.last_ns = now


TLS_FILES = ["root_ca_certificate", "listen_certificate", "listen_private_key", "connect_certificate",
             "connect_private_key"]


def configure_tls(conf, args):
    """transport/link/tls/* from the --tls-* options (only those given)."""
    for opt in TLS_FILES:
        value = getattr(args, "tls_" + opt)
        if value:
            conf.insert_json5("transport/link/tls/" + opt, json.dumps(value))
    if args.tls_enable_mtls:
        conf.insert_json5("transport/link/tls/enable_mtls", "true")
    if args.tls_no_verify_name:
        conf.insert_json5("transport/link/tls/verify_name_on_connect", "false")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="router", choices=["router", "peer", "client"])
    ap.add_argument("--listen")
    ap.add_argument("--connect", action="append", default=[])
    ap.add_argument("--sub", action="append", default=[])
    ap.add_argument("--lease-ms", type=int)
    ap.add_argument("--count-prefix", default="bench/")
    for opt in TLS_FILES:
        ap.add_argument("--tls-" + opt.replace("_", "-"))
    ap.add_argument("--tls-enable-mtls", action="store_true")
    ap.add_argument("--tls-no-verify-name", action="store_true")
    args = ap.parse_args()

    conf = zenoh.Config()
    conf.insert_json5("mode", json.dumps(args.mode))
    conf.insert_json5("listen/endpoints", json.dumps([args.listen] if args.listen else []))
    if args.connect:
        conf.insert_json5("connect/endpoints", json.dumps(args.connect))
    conf.insert_json5("scouting/multicast/enabled", "false")
    conf.insert_json5("scouting/gossip/enabled", "false")
    conf.insert_json5("adminspace/enabled", "false")
    if args.lease_ms:
        conf.insert_json5("transport/link/tx/lease", str(args.lease_ms))
    configure_tls(conf, args)
    session = zenoh.open(conf)
    counter = Counter()
    prefix = args.count_prefix

    def on_sample(sample):
        key = str(sample.key_expr)
        payload = sample.payload.to_bytes()
        if prefix and key.startswith(prefix):
            counter.hit(len(payload))
            return
        att = sample.attachment
        emit({
            "event": "sample",
            "key": key,
            "kind": str(sample.kind),
            "encoding": str(sample.encoding),
            "payload": b64(payload),
            "attachment": b64(att.to_bytes()) if att is not None else None,
            "timestamp": str(sample.timestamp) if sample.timestamp is not None else None,
            "priority": str(sample.priority),
            "congestion": str(sample.congestion_control),
            "express": bool(sample.express),
        })

    subs = [session.declare_subscriber(k, on_sample) for k in args.sub]
    emit({"event": "ready", "zid": str(session.info.zid())})

    publishers = {}
    queryables = {}
    tokens = {}
    live_subs = []

    def publisher(key, congestion):
        pk = (key, congestion)
        if pk not in publishers:
            cc = zenoh.CongestionControl.BLOCK if congestion == "block" else zenoh.CongestionControl.DROP
            publishers[pk] = session.declare_publisher(key, congestion_control=cc)
        return publishers[pk]

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "quit":
                emit({"event": "quit_done"})
                break
            elif op == "put":
                cc = zenoh.CongestionControl.BLOCK if cmd.get("congestion", "block") == "block" else zenoh.CongestionControl.DROP
                payload = base64.b64decode(cmd.get("payload") or "")
                kwargs = {"congestion_control": cc}
                if cmd.get("encoding"):
                    kwargs["encoding"] = zenoh.Encoding(cmd["encoding"])
                if cmd.get("attachment") is not None:
                    kwargs["attachment"] = base64.b64decode(cmd["attachment"])
                n = int(cmd.get("count", 1))
                key = cmd["key"]
                for i in range(n):
                    session.put(key, payload if n == 1 else payload + str(i).encode(), **kwargs)
                emit({"event": "put_done", "count": n})
            elif op == "delete":
                session.delete(cmd["key"])
                emit({"event": "delete_done"})
            elif op == "wait_matching":
                pub = publisher(cmd["key"], "block")
                deadline = time.monotonic() + cmd.get("timeout_ms", 10000) / 1000.0
                ok = pub.matching_status.matching
                while not ok and time.monotonic() < deadline:
                    time.sleep(0.01)
                    ok = pub.matching_status.matching
                emit({"event": "wait_matching_done", "matching": bool(ok)})
            elif op == "pub_bench":
                pub = publisher(cmd["key"], cmd.get("congestion", "block"))
                payload = b"x" * int(cmd["size"])
                n = int(cmd["count"])
                t0 = time.monotonic_ns()
                for _ in range(n):
                    pub.put(payload)
                t1 = time.monotonic_ns()
                emit({"event": "pub_bench_done", "count": n, "elapsed_ns": t1 - t0})
            elif op == "count":
                with counter.lock:
                    emit({"event": "count_done", "count": counter.count, "bytes": counter.bytes,
                          "first_ns": counter.first_ns, "last_ns": counter.last_ns,
                          "now_ns": time.monotonic_ns()})
            elif op == "reset_count":
                counter.reset()
                emit({"event": "reset_count_done"})
            elif op == "declare_queryable":
                name = cmd.get("name") or cmd["key"]
                queryables[name] = session.declare_queryable(cmd["key"], make_query_handler(name),
                                                             complete=bool(cmd.get("complete", False)))
                emit({"event": "declare_queryable_done"})
            elif op == "undeclare_queryable":
                queryables.pop(cmd.get("name") or cmd["key"]).undeclare()
                emit({"event": "undeclare_queryable_done"})
            elif op == "get":
                kwargs = {"timeout": cmd.get("timeout_ms", 10000) / 1000.0,
                          "target": TARGETS[cmd.get("target", "BEST_MATCHING")]}
                if cmd.get("payload") is not None:
                    kwargs["payload"] = base64.b64decode(cmd["payload"])
                if cmd.get("encoding"):
                    kwargs["encoding"] = zenoh.Encoding(cmd["encoding"])
                if cmd.get("attachment") is not None:
                    kwargs["attachment"] = base64.b64decode(cmd["attachment"])
                if cmd.get("consolidation"):
                    kwargs["consolidation"] = getattr(zenoh.ConsolidationMode, cmd["consolidation"])
                if cmd.get("congestion"):
                    kwargs["congestion_control"] = (zenoh.CongestionControl.BLOCK if cmd["congestion"] == "block"
                                                    else zenoh.CongestionControl.DROP)
                t0 = time.monotonic()
                replies = [reply_json(r) for r in session.get(cmd["selector"], **kwargs)]
                emit({"event": "get_done", "replies": replies, "elapsed_ms": int((time.monotonic() - t0) * 1000)})
            elif op == "get_many":
                n = int(cmd["count"])
                lock = threading.Condition()
                state = {"ok": 0, "err": 0, "bad": 0, "finals": 0}
                def make_cb(i):
                    expect = ("q%d" % i).encode()
                    def on_reply(r):
                        with lock:
                            if r.ok is not None:
                                state["ok"] += 1
                                if zb(r.ok.payload) != expect:
                                    state["bad"] += 1
                            else:
                                state["err"] += 1
                    return on_reply
                def make_final():
                    def done():
                        with lock:
                            state["finals"] += 1
                            lock.notify_all()
                    return done
                t0 = time.monotonic()
                for i in range(n):
                    cb = make_cb(i)
                    session.get(cmd["selector"] + "/" + str(i), zenoh.handlers.Callback(cb, make_final()),
                                payload=("q%d" % i).encode(), timeout=cmd.get("timeout_ms", 30000) / 1000.0)
                deadline = time.monotonic() + cmd.get("timeout_ms", 30000) / 1000.0 + 5
                with lock:
                    while state["finals"] < n and time.monotonic() < deadline:
                        lock.wait(0.1)
                    result = dict(state)
                result["elapsed_ms"] = int((time.monotonic() - t0) * 1000)
                emit(dict({"event": "get_many_done"}, **result))
            elif op == "liveliness_token":
                tokens[cmd["key"]] = session.liveliness().declare_token(cmd["key"])
                emit({"event": "liveliness_token_done"})
            elif op == "liveliness_undeclare":
                tokens.pop(cmd["key"]).undeclare()
                emit({"event": "liveliness_undeclare_done"})
            elif op == "liveliness_sub":
                def on_live(sample):
                    emit({"event": "liveliness", "key": str(sample.key_expr), "kind": str(sample.kind)})
                live_subs.append(session.liveliness().declare_subscriber(cmd["key"], on_live,
                                                                         history=bool(cmd.get("history", False))))
                emit({"event": "liveliness_sub_done"})
            elif op == "liveliness_get":
                keys = []
                for r in session.liveliness().get(cmd["key"], timeout=cmd.get("timeout_ms", 10000) / 1000.0):
                    if r.ok is not None:
                        keys.append(str(r.ok.key_expr))
                emit({"event": "liveliness_get_done", "keys": keys})
            else:
                emit({"event": "error", "message": "unknown op " + op})
        except Exception as e:  # report, keep serving
            emit({"event": "error", "message": repr(e)})
    for s in subs:
        s.undeclare()
    session.close()


if __name__ == "__main__":
    main()
