"""A real Zenoh (eclipse-zenoh, Rust core) router for the end-to-end tests.

Opens a router on tcp/127.0.0.1:<port> with multicast scouting off, subscribes to oprc/** in the
same session and prints every sample as one JSON line: {"key":..., "payload_b64":..., "kind":...}.
Prints READY once listening. Exits when stdin closes (the test process ended) or on SIGTERM.
"""
import base64
import json
import sys
import threading

try:
    import zenoh
except ImportError:
    sys.stderr.write("Python Zenoh is missing: pip install eclipse-zenoh==1.10.2\n")
    sys.exit(3)

port = int(sys.argv[1])
conf = zenoh.Config()
conf.insert_json5("mode", '"router"')
conf.insert_json5("listen/endpoints", json.dumps([f"tcp/127.0.0.1:{port}"]))
conf.insert_json5("scouting/multicast/enabled", "false")
session = zenoh.open(conf)
lock = threading.Lock()


def on_sample(sample):
    line = json.dumps({
        "key": str(sample.key_expr),
        "payload_b64": base64.b64encode(sample.payload.to_bytes()).decode("ascii"),
        "kind": str(sample.kind),
    })
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


sub = session.declare_subscriber("oprc/**", on_sample)
with lock:
    sys.stdout.write("READY\n")
    sys.stdout.flush()
try:
    sys.stdin.read()
finally:
    session.close()
