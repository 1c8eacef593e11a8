"""s3rver (npm, tests/s3/server) on loopback for the tests and benchmarks
that need S3: the S3 layer's own test, the Distributed Map tests
(tests/maprun), the ItemReader conformance runner and
bench/map_run_s3_bench.py.

    reason = s3rver.unavailable()      # None, or why the caller should skip
    with s3rver.S3rver() as s3:        # buckets `items` and `result-bucket`
        s3.client.put_object(...)      # boto3, path-style, credentials S3RVER
        stepd serve --s3-endpoint s3.endpoint   (the environment carries the credentials)

Standard library + boto3."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
S3RVER = os.path.join(HERE, "server", "node_modules", "s3rver", "bin", "s3rver.js")
ITEMS = "items"
RESULTS = "result-bucket"
KEY = "S3RVER"  # s3rver takes any credentials; stepd signs with these (AWS_ACCESS_KEY_ID / SECRET)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable():
    """Why s3rver cannot run here (node, npm, boto3 or the package missing), or None.
    Installs s3rver into tests/s3/server when it is not there yet."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "node and npm are needed for s3rver (scripts/install-node-test-deps installs them)"
    try:
        import boto3  # noqa: F401
    except ImportError:
        return "Debian's python3 has no boto3 (apt-get install python3-boto3)"
    if subprocess.call(["bash", os.path.join(ROOT, "scripts", "install-s3-test-deps")]) != 0 or \
            not os.path.exists(S3RVER):
        return "s3rver could not be installed into tests/s3/server/node_modules (npm registry out of reach?)"
    return None


def start(data_dir):
    """Starts s3rver on a free port with its data in data_dir; (process, endpoint URL)."""
    for _ in range(5):
        port = free_port()
        # s3rver's continuation tokens are DES-encrypted: OpenSSL 3 keeps DES
        # in its legacy provider, which Node loads only when asked.
        proc = subprocess.Popen(
            ["node", "--openssl-legacy-provider", S3RVER, "-d", data_dir, "-a", "127.0.0.1", "-p", str(port), "--silent",
             "--configure-bucket", ITEMS, "--configure-bucket", RESULTS],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return proc, "http://127.0.0.1:%d" % port
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise RuntimeError("s3rver did not start: " + (proc.stderr.read().decode(errors="replace") if proc.stderr else ""))


def client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY,
                        aws_secret_access_key=KEY, config=Config(s3={"addressing_style": "path"}))


class S3rver:
    """s3rver in a temporary directory, from open() to close() (or for the
    life of a `with` block); sets
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the `stepd serve` processes
    started inside it."""

    def open(self):
        self.dir = tempfile.mkdtemp(prefix="stepd-s3rver-")
        self.proc, self.endpoint = start(self.dir)
        self.client = client(self.endpoint)
        os.environ["AWS_ACCESS_KEY_ID"] = KEY
        os.environ["AWS_SECRET_ACCESS_KEY"] = KEY
        return self

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
        return False
