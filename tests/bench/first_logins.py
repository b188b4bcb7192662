#!/usr/bin/env python3
"""What a restart costs the customers who come back: first logins timed by kind of key hash.

Usage: first_logins.py BINARY WORKDIR. Makes TOKENS tokens with argon2id hashes (as releases
before `keys.hash` stored them) and TOKENS with SHA-256 hashes, then starts the server STARTS
times (default keys.hash, sha256) and sends every argon2id token's first GET /packages.json,
CONCURRENCY at once: the first start checks them with argon2id and replaces their hashes, later
starts check SHA-256. One start also times the SHA-256 tokens. Environment: TOKENS (300),
CONCURRENCY (16), STARTS (3), APP_PORT (8085).
"""

import base64
import concurrent.futures
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

TOKENS = int(os.environ.get("TOKENS", "300"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "16"))
STARTS = int(os.environ.get("STARTS", "3"))
PORT = int(os.environ.get("APP_PORT", "8085"))


class AdminConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)


def serve(binary, data, log, key_hash):
    env = dict(os.environ, PACKAGENTO_DATA_DIR=data, PACKAGENTO_LOG="warn")
    env["PACKAGENTO_KEY_HASH"] = key_hash
    process = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:%d" % PORT], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start; see serve.log")


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def make_tokens(data, count):
    admin = AdminConnection(os.path.join(data, "admin.sock"))

    def call(op, **fields):
        admin.request("POST", "/v1/admin", json.dumps({"op": op, **fields}),
                      {"Content-Type": "application/json"})
        response = admin.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("%s failed: %s" % (op, body[:200]))
        return json.loads(body)

    tokens = []
    for k in range(count):
        slug = "logins-%d-%05d" % (time.time_ns() % 1_000_000, k)
        call("project_create", slug=slug)
        created = call("token_create", project=slug, label="first login")
        tokens.append((created["public_key"], created["private_key"]))
    return tokens


def first_login(pair):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    credentials = base64.b64encode(("%s:%s" % pair).encode()).decode()
    started = time.perf_counter()
    connection.request("GET", "/packages.json", headers={"Authorization": "Basic " + credentials})
    response = connection.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def time_logins(label, tokens):
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(first_login, tokens))
    wall = time.perf_counter() - started
    latencies = sorted(ms for _, ms in results)
    statuses = sorted({status for status, _ in results})
    print("%-44s %6.2f s   %8.1f   %8.1f   %s" % (
        label, wall, latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], statuses))


def main():
    binary, work = sys.argv[1], sys.argv[2]
    data = os.path.join(work, "data")
    log = open(os.path.join(work, "serve.log"), "ab")
    print("== making %d argon2id and %d SHA-256 tokens" % (TOKENS, TOKENS), flush=True)
    server = serve(binary, data, log, "argon2id")
    argon2id = make_tokens(data, TOKENS)
    stop(server)
    server = serve(binary, data, log, "sha256")
    sha256 = make_tokens(data, TOKENS)
    stop(server)
    print("\n%d first logins, %d at once             all answered   median ms   p99 ms   statuses"
          % (TOKENS, CONCURRENCY))
    for start in range(1, STARTS + 1):
        server = serve(binary, data, log, "sha256")
        time_logins("start %d: keys made argon2id" % start, argon2id)
        if start == 1:
            time_logins("start %d: keys made SHA-256" % start, sha256)
        stop(server)


if __name__ == "__main__":
    main()
