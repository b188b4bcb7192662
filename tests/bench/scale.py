#!/usr/bin/env python3
"""scale.py BIN WORK_DIR

The scale benchmark behind tests/bench/scale.sh: loads PACKAGES x VERSIONS generated release zips
and PROJECTS projects (each with its own licence and token) into a fresh appliance through its
admin socket, then times admin changes end to end through the socket, a bulk publish, the
start-up to the first answered packages.json and the server's resident memory.

Environment: PROJECTS (200), PACKAGES (20), VERSIONS (5), REPEAT (20), BULK (100),
STARTS (3), APP_PORT (8084), JSON_OUT (a file for the figures as JSON; optional).
"""

import base64
import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import zipfile

VENDOR = "bench"


def env_int(name, default):
    return int(os.environ.get(name, default))


PROJECTS = env_int("PROJECTS", 200)
PACKAGES = env_int("PACKAGES", 20)
VERSIONS = env_int("VERSIONS", 5)
REPEAT = env_int("REPEAT", 20)
BULK = env_int("BULK", 100)
STARTS = env_int("STARTS", 3)
PORT = env_int("APP_PORT", 8084)


def say(message):
    print(message, file=sys.stderr, flush=True)


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over the admin socket; one kept-alive connection, as a long-lived client holds."""

    def __init__(self, path):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.socket_path)
        self.sock = sock


class Admin:
    def __init__(self, path):
        self.conn = UnixHTTPConnection(path)

    def __call__(self, op, **fields):
        body = json.dumps({"op": op, **fields})
        self.conn.request("POST", "/v1/admin", body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError("%s answered %d: %s" % (op, response.status, data[:300]))
        return json.loads(data)

    def close(self):
        self.conn.close()


def package_name(index):
    return "%s/pkg%04d" % (VENDOR, index)


def write_zip(folder, index, version):
    """A real release zip: composer.json (most packages require their predecessor) and a class."""
    name = package_name(index)
    manifest = {
        "name": name,
        "version": version,
        "type": "library",
        "description": "Scale benchmark package %d" % index,
        "license": "proprietary",
        "require": {"php": ">=8.1"},
        "autoload": {"psr-4": {"Bench\\Pkg%04d\\" % index: "src/"}},
    }
    if index % 5:
        manifest["require"][package_name(index - 1)] = "^1.0"
    path = os.path.join(folder, "%s-pkg%04d-%s.zip" % (VENDOR, index, version))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("composer.json", json.dumps(manifest, indent=4))
        archive.writestr(
            "src/Thing.php",
            "<?php\nnamespace Bench\\Pkg%04d;\n\nfinal class Thing\n{\n"
            "    public const VERSION = '%s';\n}\n" % (index, version),
        )
    return path


def generate(work):
    """The initial catalogue, the single publishes and the bulk folder, all as files."""
    folders = {key: os.path.join(work, key) for key in ("initial", "single", "bulk")}
    for folder in folders.values():
        os.makedirs(folder, exist_ok=True)
    initial = [
        write_zip(folders["initial"], p, "1.%d.%d" % (v // 10, v % 10))
        for p in range(PACKAGES)
        for v in range(VERSIONS)
    ]
    single = [write_zip(folders["single"], k % PACKAGES, "2.0.%d" % k) for k in range(REPEAT)]
    for k in range(BULK):
        write_zip(folders["bulk"], k % PACKAGES, "3.%d.0" % (k // PACKAGES))
    return initial, single, folders["bulk"]


class Server:
    def __init__(self, binary, work):
        self.binary = binary
        self.data = os.path.join(work, "data")
        self.log = open(os.path.join(work, "serve.log"), "ab")
        self.process = None

    def env(self):
        return dict(os.environ, PACKAGENTO_DATA_DIR=self.data, PACKAGENTO_LOG="warn")

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:%d" % PORT],
            env=self.env(),
            stdout=self.log,
            stderr=self.log,
        )
        return time.perf_counter()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        self.process = None

    def rss_mb(self):
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def socket_path(self):
        return os.path.join(self.data, "admin.sock")

    def wait_for_admin(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited; see serve.log")
            try:
                admin = Admin(self.socket_path())
                admin("server_status")
                return admin
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)
        raise RuntimeError("the admin socket did not answer within %d s" % timeout)


def packages_json_status(user, password, timeout=5):
    """The status of one authenticated GET /packages.json; None when nothing listens yet."""
    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request("GET", "/packages.json", headers={"Authorization": "Basic " + auth})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def timed(samples, key, call, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    samples.setdefault(key, []).append((time.perf_counter() - started) * 1000)
    return result


def licence_packages(index):
    """Even projects licence the whole vendor; odd ones three named packages (and their deps)."""
    if index % 2 == 0:
        return ["%s/*" % VENDOR]
    return [package_name((index + k) % PACKAGES) for k in range(3)]


def setup(admin, initial, stages):
    started = time.perf_counter()
    # Setup only: the batch op, 500 archives a change, as `package publish FOLDER` sends them.
    for start in range(0, len(initial), 500):
        chunk = initial[start:start + 500]
        answers = admin("package_publish_batch", archives=[{"path": p} for p in chunk])
        failed = [a["error"] for a in answers if "error" in a]
        if failed:
            raise RuntimeError("setup publish refused: %s" % failed[0])
        say("  published %d/%d archives" % (start + len(chunk), len(initial)))
    stages["publish initial archives"] = time.perf_counter() - started
    started = time.perf_counter()
    tokens = []
    for i in range(PROJECTS):
        slug = "project-%05d" % i
        admin("project_create", slug=slug)
        licence = admin("licence_create", holder="Holder %05d" % i, packages=licence_packages(i))
        admin("licence_activate", id=licence["id"], project=slug)
        token = admin("token_create", project=slug, label="bench")
        tokens.append((token["public_key"], token["private_key"]))
        if (i + 1) % max(1, PROJECTS // 10) == 0:
            say("  %d/%d projects (%.1f s)" % (i + 1, PROJECTS, time.perf_counter() - started))
    stages["create projects, licences, tokens"] = time.perf_counter() - started
    return tokens


def first_visible(samples, admin, slug):
    """Token create, then the new token's first 200 on packages.json: what a customer waits."""
    started = time.perf_counter()
    token = admin("token_create", project=slug, label="visible")
    while packages_json_status(token["public_key"], token["private_key"]) != 200:
        time.sleep(0.001)
    samples.setdefault("token create -> first 200", []).append(
        (time.perf_counter() - started) * 1000
    )
    return token


def measure_changes(admin, tokens, single):
    samples = {}
    created = []
    for k in range(REPEAT):
        slug = "extra-%05d" % k
        timed(samples, "project create", admin, "project_create", slug=slug)
        started = time.perf_counter()
        licence = timed(samples, "licence create", admin, "licence_create",
                        holder="Extra %05d" % k, packages=licence_packages(k))
        timed(samples, "licence activate", admin, "licence_activate",
              id=licence["id"], project=slug)
        samples.setdefault("licence create + activate", []).append(
            (time.perf_counter() - started) * 1000
        )
        created.append(timed(samples, "token create", admin, "token_create",
                             project=slug, label="measured"))
    for token in created:
        timed(samples, "token revoke", admin, "token_revoke", public_key=token["public_key"])
    # Spread over the setup projects, never project 0, whose token the start-up check uses.
    for k in range(REPEAT):
        index = 1 + k * (len(tokens) - 1) // REPEAT if len(tokens) > 1 else 0
        rotated = timed(samples, "token rotate", admin, "token_rotate",
                        public_key=tokens[index][0])
        tokens[index] = (rotated["public_key"], rotated["private_key"])
    for path in single:
        timed(samples, "package publish (one version)", admin, "package_publish", path=path)
    for k in range(REPEAT):
        first_visible(samples, admin, "extra-%05d" % k)
    return samples


def bulk_publish(server, folder):
    """The product's bulk route: `package publish FOLDER`, through the running server."""
    started = time.perf_counter()
    result = subprocess.run(
        [server.binary, "package", "publish", folder, "--json"],
        env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError("bulk publish failed: %s" % result.stderr[-500:].decode(errors="replace"))
    published = sum(1 for o in json.loads(result.stdout) if o["status"] == "published")
    return elapsed, published


def measure_starts(server, token):
    starts, rss = [], []
    for _ in range(STARTS):
        server.stop()
        started = server.start()
        while packages_json_status(*token) != 200:
            if server.process.poll() is not None:
                raise RuntimeError("the server exited during start-up; see serve.log")
            time.sleep(0.005)
        starts.append(time.perf_counter() - started)
        rss.append(server.rss_mb())
    return starts, rss


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def report(figures):
    print()
    print("scale: %d projects x %d packages x %d versions (%d archives), repeat %d"
          % (PROJECTS, PACKAGES, VERSIONS, PACKAGES * VERSIONS, REPEAT))
    for stage, seconds in figures["setup_s"].items():
        print("setup: %-36s %8.1f s" % (stage, seconds))
    print()
    print("%-32s %5s %10s %10s %10s" % ("admin change (through the socket)", "n", "median ms",
                                        "p95 ms", "max ms"))
    for key, values in figures["changes_ms"].items():
        print("%-32s %5d %10.2f %10.2f %10.2f" % (key, len(values), statistics.median(values),
                                                  percentile(values, 0.95), max(values)))
    bulk = figures["bulk"]
    print()
    print("bulk publish (package publish FOLDER): %d versions in %.2f s (%.1f ms each)"
          % (bulk["versions"], bulk["seconds"], 1000 * bulk["seconds"] / max(1, bulk["versions"])))
    print("start-up to first answered packages.json: %s s (median %.3f)"
          % (", ".join("%.3f" % s for s in figures["startup_s"]),
             statistics.median(figures["startup_s"])))
    rss = figures["rss_mb"]
    print("resident memory: after setup %.0f MB, after the run %.0f MB, after start-up %s MB"
          % (rss["after_setup"], rss["after_run"],
             ", ".join("%.0f" % r for r in rss["after_startup"])))


def main():
    binary, work = sys.argv[1], sys.argv[2]
    say("== generating %d + %d + %d release zips" % (PACKAGES * VERSIONS, REPEAT, BULK))
    initial, single, bulk_folder = generate(work)
    server = Server(binary, work)
    figures = {"setup_s": {}, "params": {"projects": PROJECTS, "packages": PACKAGES,
                                         "versions": VERSIONS, "repeat": REPEAT, "bulk": BULK}}
    try:
        server.start()
        admin = server.wait_for_admin()
        say("== setup through the admin socket")
        tokens = setup(admin, initial, figures["setup_s"])
        rss_setup = server.rss_mb()
        say("== measuring admin changes")
        figures["changes_ms"] = measure_changes(admin, tokens, single)
        admin.close()
        say("== bulk publish of %d versions" % BULK)
        seconds, published = bulk_publish(server, bulk_folder)
        figures["bulk"] = {"versions": published, "seconds": seconds}
        rss_run = server.rss_mb()
        say("== restarting %d times" % STARTS)
        figures["startup_s"], rss_starts = measure_starts(server, tokens[0])
        figures["rss_mb"] = {"after_setup": rss_setup, "after_run": rss_run,
                             "after_startup": rss_starts}
    finally:
        server.stop()
    report(figures)
    if os.environ.get("JSON_OUT"):
        with open(os.environ["JSON_OUT"], "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
