#!/usr/bin/env python3
"""Real-Zenoh peer for the pure-Java client's interop tests (eclipse-zenoh==1.10.2).

Opens a Zenoh session (router listening on 127.0.0.1:PORT, or client connecting to an endpoint),
multicast scouting off. Declares subscribers given by --sub and reports every sample as one JSON
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="router", choices=["router", "peer", "client"])
    ap.add_argument("--listen")
    ap.add_argument("--connect")
    ap.add_argument("--sub", action="append", default=[])
    ap.add_argument("--lease-ms", type=int)
    ap.add_argument("--count-prefix", default="bench/")
    args = ap.parse_args()

    conf = zenoh.Config()
    conf.insert_json5("mode", json.dumps(args.mode))
    conf.insert_json5("listen/endpoints", json.dumps([args.listen] if args.listen else []))
    if args.connect:
        conf.insert_json5("connect/endpoints", json.dumps([args.connect]))
    conf.insert_json5("scouting/multicast/enabled", "false")
    conf.insert_json5("scouting/gossip/enabled", "false")
    conf.insert_json5("adminspace/enabled", "false")
    if args.lease_ms:
        conf.insert_json5("transport/link/tx/lease", str(args.lease_ms))
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
            else:
                emit({"event": "error", "message": "unknown op " + op})
        except Exception as e:  # report, keep serving
            emit({"event": "error", "message": repr(e)})
    for s in subs:
        s.undeclare()
    session.close()


if __name__ == "__main__":
    main()
