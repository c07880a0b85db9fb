"""Helpers and fixtures for the OCI end-to-end tests (tests/e2e/test_oci_*.py).

The registry under test is the built `nora` binary, started through the `nora_factory`
fixture of conftest.py (its own port, data folder and HOME). The real clients come from
scripts/install-oci-clients.sh: skopeo and umoci (Debian), the Python `oras` package (in the
test venv) and the real helm v4 binary in `.tools/bin/helm`.

Debugging the tests themselves: with `OCI_E2E_REFERENCE=1` the fixture `oci_registry` starts
CNCF distribution (`docker-registry`, Debian package) instead of nora. That is only a way to
check the client-side logic of a test; the suite never depends on it, and the nora-only tests
(auth, referrers, tag deletion, paging of tags, …) are expected to fail there.

Test modules import the fixtures they use from here:
    from oci_support import oci_registry, oci_image, skopeo  # noqa: F401
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urljoin

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
HELM_BIN = os.environ.get("HELM_BIN") or str(REPO / ".tools" / "bin" / "helm")
REFERENCE = os.environ.get("OCI_E2E_REFERENCE", "") not in ("", "0", "false")
TOOL_TIMEOUT = 120

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
EMPTY_JSON = b"{}"
ACCEPT_MANIFESTS = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST,
                              "application/vnd.docker.distribution.manifest.list.v2+json"])

OCI_ENV = {"NORA_RATE_LIMIT_ENABLED": "false", "NORA_LOG_LEVEL": "debug"}


# --------------------------------------------------------------------------------------
# digests
# --------------------------------------------------------------------------------------

def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha512(data: bytes) -> str:
    return "sha512:" + hashlib.sha512(data).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        check: bool = True, timeout: float = TOOL_TIMEOUT, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Runs a client command; on an unexpected failure the assertion shows its output."""
    proc = subprocess.run(cmd, env=env, cwd=str(cwd) if cwd else None, capture_output=True,
                          timeout=timeout, input=input if input is not None else b"")
    proc.stdout_text = proc.stdout.decode(errors="replace")  # type: ignore[attr-defined]
    proc.stderr_text = proc.stderr.decode(errors="replace")  # type: ignore[attr-defined]
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout_text[-6000:]}"
                             f"\n--- stderr\n{proc.stderr_text[-6000:]}")
    return proc


def client_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A client environment: temp HOME, no proxies, nothing of the user's own config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NORA_")}
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
              "DOCKER_CONFIG", "REGISTRY_AUTH_FILE"):
        env.pop(k, None)
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------------
# the registry under test
# --------------------------------------------------------------------------------------

@dataclass
class Registry:
    """Where the clients push: nora (normally) or the reference registry (debugging only)."""
    port: int
    storage: Path
    kind: str = "nora"
    server: object | None = None          # conftest's Nora when kind == "nora"
    proc: subprocess.Popen | None = None   # the reference registry process
    log_path: Path | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def log(self) -> str:
        if self.server is not None:
            return self.server.log()  # type: ignore[attr-defined]
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def http(self, auth: tuple[str, str] | None = None) -> "OciHttp":
        return OciHttp(self.base, auth=auth)

    def stored_paths(self) -> list[str]:
        """Every file and folder path under the storage folder (for 'nothing was stored' checks)."""
        if not self.storage.exists():
            return []
        return [str(p.relative_to(self.storage)) for p in self.storage.rglob("*")]

    def assert_not_stored(self, *digests: str) -> None:
        """No blob file (nor folder) named after any of these digests exists in storage."""
        paths = self.stored_paths()
        for digest in digests:
            hexpart = digest.split(":", 1)[1]
            hits = [p for p in paths if hexpart in p]
            assert not hits, f"{digest} was stored: {hits}"

    def assert_stored(self, digest: str) -> None:
        hexpart = digest.split(":", 1)[1]
        assert any(hexpart in p for p in self.stored_paths()), f"{digest} is not in storage"


def nora_registry(nora_factory, env: dict[str, str] | None = None) -> Registry:
    """Starts nora (through conftest's factory) with the OCI test defaults plus `env`."""
    full = dict(OCI_ENV)
    full.update(env or {})
    server = nora_factory(full)
    return Registry(port=server.port, storage=Path(server.storage), kind="nora", server=server)


def start_reference_registry(root: Path) -> Registry:
    """CNCF distribution (Debian `docker-registry`), for debugging the tests' client logic."""
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("OCI_E2E_REFERENCE=1 needs `apt-get install -y docker-registry`")
    root.mkdir(parents=True, exist_ok=True)
    storage = root / "storage"
    for _ in range(3):
        port = free_port()
        cfg = root / "config.yml"
        cfg.write_text(
            "version: 0.1\nlog:\n  level: debug\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{port}\n")
        log_path = root / f"registry-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([binary, "serve", str(cfg)], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    return Registry(port=port, storage=storage, kind="reference", proc=proc, log_path=log_path)
            except requests.RequestException:
                pass
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    raise RuntimeError(f"reference registry did not start:\n{log_path.read_text(errors='replace')}")


@pytest.fixture
def oci_registry(request, tmp_path) -> Registry:
    """A registry with auth off: nora, or the reference registry when OCI_E2E_REFERENCE=1."""
    if not REFERENCE:
        yield nora_registry(request.getfixturevalue("nora_factory"))
    else:
        reg = start_reference_registry(tmp_path / "reference")
        yield reg
        reg.proc.terminate()  # type: ignore[union-attr]
        reg.proc.wait(timeout=15)  # type: ignore[union-attr]


def make_htpasswd(path: Path, users: dict[str, str]) -> Path:
    """bcrypt entries made with the real `htpasswd -B`."""
    first = True
    for user, password in users.items():
        args = ["htpasswd", "-B", "-b"] + (["-c"] if first else []) + [str(path), user, password]
        run(args)
        first = False
    return path


USERS = {"admin": "s3cret", "writer": "p4ss-w0rd"}


@pytest.fixture
def oci_auth_registry(request, tmp_path):
    """`oci_auth_registry(anonymous_read=False)` → nora with auth on and the htpasswd users USERS."""
    def start(anonymous_read: bool = False, extra: dict[str, str] | None = None) -> Registry:
        htpasswd = make_htpasswd(tmp_path / "users.htpasswd", USERS)
        env = {"NORA_AUTH_ENABLED": "true", "NORA_AUTH_HTPASSWD_FILE": str(htpasswd),
               "NORA_AUTH_ANONYMOUS_READ": "true" if anonymous_read else "false"}
        env.update(extra or {})
        return nora_registry(request.getfixturevalue("nora_factory"), env)
    return start


# --------------------------------------------------------------------------------------
# raw HTTP (requests)
# --------------------------------------------------------------------------------------

def describe(r: requests.Response) -> str:
    """The whole exchange, for assertion messages (these double as bug reports)."""
    req = r.request
    body = req.body if isinstance(req.body, (bytes, str)) else b"<stream>" if req.body is not None else b""
    if isinstance(body, str):
        body = body.encode()
    shown = body[:400] + (b"..." if len(body) > 400 else b"")
    return (f"\n>>> {req.method} {req.url}\n>>> " + "\n>>> ".join(f"{k}: {v}" for k, v in req.headers.items())
            + (f"\n>>> body({len(body)}): {shown!r}" if body else "")
            + f"\n<<< {r.status_code} {r.reason}\n<<< " + "\n<<< ".join(f"{k}: {v}" for k, v in r.headers.items())
            + f"\n<<< body: {r.content[:1500]!r}\n")


def error_codes(r: requests.Response) -> list[str]:
    try:
        doc = r.json()
    except ValueError:
        return []
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errors, list):
        return []
    return [e.get("code") for e in errors if isinstance(e, dict)]


def assert_oci_error(r: requests.Response, status: int | Iterable[int], *codes: str) -> None:
    """Status is one of `status`; the body is `{"errors":[{"code","message",...}]}` with one of `codes`."""
    statuses = (status,) if isinstance(status, int) else tuple(status)
    assert r.status_code in statuses, f"expected {statuses} {codes}{describe(r)}"
    if r.request.method == "HEAD":
        return
    try:
        doc = r.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON{describe(r)}")
    assert isinstance(doc, dict) and isinstance(doc.get("errors"), list) and doc["errors"], \
        f"not an OCI error document{describe(r)}"
    for e in doc["errors"]:
        assert isinstance(e, dict) and isinstance(e.get("code"), str) and "message" in e, \
            f"malformed OCI error entry {e!r}{describe(r)}"
    got = error_codes(r)
    assert any(c in codes for c in got), f"expected one of {codes}, got {got}{describe(r)}"


def expect(r: requests.Response, *statuses: int) -> requests.Response:
    assert r.status_code in statuses, f"expected {statuses}{describe(r)}"
    return r


class OciHttp:
    """Plain HTTP calls of the distribution API, with the spec's expectations built in."""

    def __init__(self, base: str, auth: tuple[str, str] | None = None, bearer: str | None = None):
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False
        if auth:
            self.session.auth = auth
        if bearer:
            self.session.headers["Authorization"] = f"Bearer {bearer}"

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base + "/", path_or_url)

    def request(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), **kw)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def head(self, path: str, **kw) -> requests.Response:
        return self.request("HEAD", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # --- uploads ---

    def start_upload(self, name: str) -> requests.Response:
        r = self.post(f"/v2/{name}/blobs/uploads/", headers={"Content-Length": "0"})
        assert r.status_code == 202, f"upload start{describe(r)}"
        assert r.headers.get("Location"), f"upload start without Location{describe(r)}"
        return r

    def location(self, r: requests.Response) -> str:
        loc = r.headers.get("Location")
        assert loc, f"no Location{describe(r)}"
        return self.url(loc)

    @staticmethod
    def with_digest(location: str, digest: str) -> str:
        from urllib.parse import quote
        return location + ("&" if "?" in location else "?") + "digest=" + quote(digest, safe="")

    def push_blob(self, name: str, data: bytes, digest: str | None = None) -> str:
        """POST + PUT ?digest= with the body (the way oras and most clients finish a push)."""
        digest = digest or sha256(data)
        start = self.start_upload(name)
        r = self.put(self.with_digest(self.location(start), digest), data=data,
                     headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201, f"blob upload PUT{describe(r)}"
        assert r.headers.get("Docker-Content-Digest") == digest, f"blob upload digest header{describe(r)}"
        return digest

    def put_manifest(self, name: str, reference: str, body: bytes, media_type: str = OCI_MANIFEST) -> requests.Response:
        return self.put(f"/v2/{name}/manifests/{reference}", data=body, headers={"Content-Type": media_type})

    def push_image(self, name: str, tag: str, layers: list[bytes], *, config: bytes | None = None,
                   extra: dict | None = None) -> tuple[bytes, str]:
        """Pushes the blobs and an OCI image manifest; returns (manifest bytes, digest)."""
        config = config if config is not None else json.dumps(
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        manifest = image_manifest(config, layers, extra)
        for blob in [config, *layers]:
            if self.head(f"/v2/{name}/blobs/{sha256(blob)}").status_code != 200:
                self.push_blob(name, blob)
        r = self.put_manifest(name, tag, manifest)
        assert r.status_code == 201, f"manifest PUT{describe(r)}"
        digest = sha256(manifest)
        assert r.headers.get("Docker-Content-Digest") == digest, f"manifest digest header{describe(r)}"
        return manifest, digest


def descriptor(media_type: str, data: bytes, **extra) -> dict:
    d = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
    d.update(extra)
    return d


def image_manifest(config: bytes, layers: list[bytes], extra: dict | None = None,
                   config_type: str = OCI_CONFIG, layer_type: str = OCI_LAYER_GZIP) -> bytes:
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": descriptor(config_type, config),
           "layers": [descriptor(layer_type, layer) for layer in layers]}
    doc.update(extra or {})
    return json.dumps(doc, separators=(",", ":")).encode()


# --------------------------------------------------------------------------------------
# umoci: a real multi-layer image, without a daemon
# --------------------------------------------------------------------------------------

@dataclass
class OciLayout:
    """An OCI image layout folder (what umoci writes and skopeo's `oci:` transport reads/writes)."""
    path: Path

    def index(self) -> dict:
        return json.loads((self.path / "index.json").read_text())

    def blob_path(self, digest: str) -> Path:
        algo, hexpart = digest.split(":", 1)
        return self.path / "blobs" / algo / hexpart

    def blob(self, digest: str) -> bytes:
        return self.blob_path(digest).read_bytes()

    def manifest_descriptor(self, tag: str) -> dict:
        for d in self.index().get("manifests", []):
            if (d.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag:
                return d
        raise AssertionError(f"tag {tag!r} not in {self.path}/index.json: {self.index()}")

    def manifest_bytes(self, tag: str) -> bytes:
        return self.blob(self.manifest_descriptor(tag)["digest"])

    def manifest(self, tag: str) -> dict:
        return json.loads(self.manifest_bytes(tag))

    def check_blobs(self) -> None:
        """Every blob file's sha256 matches its name."""
        for f in (self.path / "blobs" / "sha256").iterdir():
            assert file_sha256(f) == "sha256:" + f.name, f"corrupt blob {f}"


@dataclass
class BuiltImage:
    layout: OciLayout
    tag: str
    manifest_bytes: bytes
    manifest_digest: str
    config_digest: str
    layer_digests: list[str]
    files: dict[str, bytes] = field(default_factory=dict)   # path in rootfs -> content

    @property
    def ref(self) -> str:
        return f"oci:{self.layout.path}:{self.tag}"

    def layer_bytes(self) -> list[bytes]:
        return [self.layout.blob(d) for d in self.layer_digests]


def build_image(workdir: Path, layers: list[dict[str, bytes]], tag: str = "latest") -> BuiltImage:
    """umoci init/new, then for each layer: unpack, add files to rootfs, repack."""
    workdir.mkdir(parents=True, exist_ok=True)
    layout = workdir / "img"
    run(["umoci", "init", "--layout", str(layout)])
    run(["umoci", "new", "--image", f"{layout}:{tag}"])
    all_files: dict[str, bytes] = {}
    for i, files in enumerate(layers):
        bundle = workdir / f"bundle{i}"
        run(["umoci", "unpack", "--image", f"{layout}:{tag}", str(bundle)])
        for rel, content in files.items():
            target = bundle / "rootfs" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            all_files[rel] = content
        run(["umoci", "repack", "--image", f"{layout}:{tag}", str(bundle)])
        shutil.rmtree(bundle)
    run(["umoci", "gc", "--layout", str(layout)])
    oci = OciLayout(layout)
    desc = oci.manifest_descriptor(tag)
    raw = oci.blob(desc["digest"])
    manifest = json.loads(raw)
    return BuiltImage(layout=oci, tag=tag, manifest_bytes=raw, manifest_digest=desc["digest"],
                      config_digest=manifest["config"]["digest"],
                      layer_digests=[l["digest"] for l in manifest["layers"]], files=all_files)


@pytest.fixture(scope="session")
def oci_image(tmp_path_factory) -> BuiltImage:
    """A two-layer image built with umoci (once per session; treat it as read-only)."""
    rng = random.Random(20261129)
    img = build_image(tmp_path_factory.mktemp("umoci"), [
        {"hello.txt": b"hello from layer one\n", "etc/app.conf": b"mode=test\n"},
        {"data/random.bin": bytes(rng.getrandbits(8) for _ in range(256 * 1024)),
         "etc/app.conf": b"mode=layer-two\n"},
    ])
    assert len(img.layer_digests) == 2
    return img


# --------------------------------------------------------------------------------------
# skopeo
# --------------------------------------------------------------------------------------

class Skopeo:
    """skopeo with its own HOME, blob-info cache, registries.conf and temp folder."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "tmp").mkdir(exist_ok=True)
        registries_conf = root / "registries.conf"
        registries_conf.write_text("unqualified-search-registries = []\n")
        self.env = client_env(root / "home", {
            # a non-zero "rootless" uid makes skopeo keep its blob-info cache under XDG_DATA_HOME
            # instead of /var/lib/containers (root's shared cache)
            "_CONTAINERS_ROOTLESS_UID": "1000",
            "XDG_DATA_HOME": str(root / "home" / "data"),
            "XDG_CONFIG_HOME": str(root / "home" / "config"),
            "XDG_RUNTIME_DIR": str(root / "home" / "run"),
            "CONTAINERS_REGISTRIES_CONF": str(registries_conf),
            "TMPDIR": str(root / "tmp"),
        })

    def run(self, *args: str, check: bool = True, debug: bool = False) -> subprocess.CompletedProcess:
        cmd = ["skopeo"] + (["--debug"] if debug else []) + list(args)
        return run(cmd, env=self.env, check=check)

    def copy(self, src: str, dest: str, *extra: str, check: bool = True, debug: bool = False,
             src_creds: str | None = None, dest_creds: str | None = None) -> subprocess.CompletedProcess:
        args = ["--insecure-policy", "copy"]
        if src.startswith("docker://"):
            args.append("--src-tls-verify=false")
        if dest.startswith("docker://"):
            args.append("--dest-tls-verify=false")
        if src_creds:
            args += ["--src-creds", src_creds]
        if dest_creds:
            args += ["--dest-creds", dest_creds]
        args += list(extra) + [src, dest]
        return self.run(*args, check=check, debug=debug)

    def inspect(self, ref: str, *extra: str, creds: str | None = None, check: bool = True):
        args = ["inspect", "--tls-verify=false"] + (["--creds", creds] if creds else []) + list(extra) + [ref]
        return self.run(*args, check=check)

    def list_tags(self, ref: str, creds: str | None = None, check: bool = True):
        args = ["list-tags", "--tls-verify=false"] + (["--creds", creds] if creds else []) + [ref]
        return self.run(*args, check=check)

    def delete(self, ref: str, creds: str | None = None, check: bool = True):
        args = ["delete", "--tls-verify=false"] + (["--creds", creds] if creds else []) + [ref]
        return self.run(*args, check=check)


@pytest.fixture
def skopeo(tmp_path) -> Skopeo:
    return Skopeo(tmp_path / "skopeo")


# --------------------------------------------------------------------------------------
# helm
# --------------------------------------------------------------------------------------

class Helm:
    """The real helm v4 binary with its cache/config/data homes in temp folders."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(HELM_BIN, os.X_OK):
            raise RuntimeError(f"no helm at {HELM_BIN}: run scripts/install-oci-clients.sh")
        self.env = client_env(root / "home", {
            "HELM_CACHE_HOME": str(root / "cache"),
            "HELM_CONFIG_HOME": str(root / "config"),
            "HELM_DATA_HOME": str(root / "data"),
        })

    def fresh_cache(self) -> None:
        """helm v4 keeps pulled content in HELM_CACHE_HOME: drop it so a pull really downloads."""
        shutil.rmtree(self.root / "cache", ignore_errors=True)

    def run(self, *args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return run([HELM_BIN, *args], env=self.env, cwd=cwd or self.root, check=check)


@pytest.fixture
def helm(tmp_path) -> Helm:
    return Helm(tmp_path / "helm")


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)

