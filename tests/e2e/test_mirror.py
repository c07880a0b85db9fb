"""`nora mirror` end to end: for each input kind an upstream (a hosted nora, or CNCF
distribution for images) and a fresh nora proxy; the input is what the real tool writes
where it can be (npm's package-lock.json, cargo's Cargo.lock, go's go.sum); `nora mirror …`
fills the proxy (through its HTTP API, or `--direct` on its data folder while it is
stopped); then the upstream is stopped and the format's real client installs everything
from the proxy alone. Failing entries (missing upstream, checksum mismatch, 401) make the
exit status non-zero and are named in the summary; malformed input names its line."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess

import pytest

from cargo_support import Cargo, index_lines, make_crate
from go_support import GoClient
from maven_support import Mvn, make_jar, pom_xml
from nora_e2e import free_port
from npm_support import Npm, cli_token, make_package, new_project
from oci_proxy_support import distribution, proxy_nora, stop_distribution
from oci_support import OCI_INDEX, OCI_MANIFEST, OciLayout, build_image, describe, file_sha256, oci_image, sha256, skopeo  # noqa: F401
from proxy_support import proxy_env, wait_until, write_file
from pypi_support import client_env, new_venv, ok, post_upload, run
from test_go_modules import publish_ok

SUMMARY = re.compile(r"^mirror: (\d+) fetched, (\d+) already cached, (\d+) failed", re.M)


def mirror(server, kind: str, option: str, path, *, direct: bool = False) -> subprocess.CompletedProcess:
    """Runs `nora mirror` against a running server, or `--direct` on its (stopped) data folder."""
    target = ["--direct"] if direct else ["--url", server.base]
    return server.nora("mirror", kind, option, str(path), *target, "--jobs", "3", timeout=300)


def counts(result: subprocess.CompletedProcess) -> tuple[int, int, int]:
    m = SUMMARY.search(result.stdout)
    assert m, f"no summary in:\n{result.stdout}\n{result.stderr}"
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def mirror_direct(server, kind: str, option: str, path) -> subprocess.CompletedProcess:
    server.terminate()
    try:
        return mirror(server, kind, option, path, direct=True)
    finally:
        server.restart()


def test_npm_lockfile_then_npm_ci_with_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    publisher = Npm(upstream, tmp_path / "pub", cli_token(upstream, "pub", "write"))
    publisher.publish(make_package(tmp_path, "lib-mx", "1.0.0"))
    publisher.publish(make_package(tmp_path, "@acme/app-mx", "1.0.0", dependencies={"lib-mx": "^1.0.0"},
                                   body="module.exports = 'app+' + require('lib-mx');\n"))
    proxy = nora_factory(proxy_env(NORA_NPM_PROXY=f"{upstream.base}/npm"))

    # the lockfile npm itself writes (against the upstream), pointed at the proxy as a site would
    project = new_project(tmp_path, "mx-project")
    Npm(upstream, tmp_path / "locker").run("install", "--package-lock-only", "@acme/app-mx@1.0.0", cwd=project)
    lockfile = project / "package-lock.json"
    lockfile.write_text(lockfile.read_text().replace(upstream.base, proxy.base))
    lock = json.loads(lockfile.read_text())
    assert lock["lockfileVersion"] == 3 and "node_modules/lib-mx" in lock["packages"], lock

    first = mirror(proxy, "npm", "--lockfile", lockfile)
    assert first.returncode == 0, first.stdout + first.stderr
    assert counts(first) == (4, 0, 0)  # two packuments, two tarballs
    again = mirror(proxy, "npm", "--lockfile", lockfile)
    assert again.returncode == 0 and counts(again) == (0, 4, 0), again.stdout

    # the activity log names what was fetched upstream and which artifacts came from the cache
    def activity(kind: str) -> set[str]:
        items = proxy.get("/api/activity?format=npm&limit=100").json()["items"]
        return {e["name"] for e in items if e["kind"] == kind and e["source"] == "proxy"}
    tarballs = {"lib-mx/-/lib-mx-1.0.0.tgz", "@acme/app-mx/-/app-mx-1.0.0.tgz"}
    assert wait_until(lambda: tarballs <= activity("proxy_fetch") and tarballs == activity("cache_hit"), timeout=30), \
        proxy.get("/api/activity?format=npm&limit=100").text

    upstream.terminate()
    Npm(proxy, tmp_path / "client").run("ci", cwd=project)
    out = subprocess.run(["node", "-e", "console.log(require('@acme/app-mx'))"], cwd=project, capture_output=True, text=True)
    assert out.stdout.strip() == "app+lib-mx@1.0.0", out

    # an entry the upstream cannot give (it is down, and never fetched): exit 1, named
    lock["packages"]["node_modules/never-mx"] = {"version": "1.0.0", "resolved": f"{proxy.base}/npm/never-mx/-/never-mx-1.0.0.tgz"}
    write_file(lockfile, json.dumps(lock))
    failed = mirror(proxy, "npm", "--lockfile", lockfile)
    assert failed.returncode == 1 and counts(failed) == (0, 4, 2), failed.stdout
    assert "failed: npm never-mx@1.0.0: HTTP 502" in failed.stdout, failed.stdout

    bad = write_file(tmp_path / "bad-lock.json", '{"lockfileVersion": 3, "packages": {"node_modules/x": {}}}')
    refused = mirror(proxy, "npm", "--lockfile", bad)
    assert refused.returncode != 0 and 'packages["node_modules/x"]: no "version"' in refused.stderr, refused.stderr


def installable_wheel(name: str, version: str) -> bytes:
    """A small pure-Python wheel with a RECORD (pip refuses to install one without)."""
    import io
    import zipfile

    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": f"VERSION = '{version}'\n".encode(),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
                     for path, data in files.items()) + f"{info}/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, data in [*files.items(), (f"{info}/RECORD", record.encode())]:
            z.writestr(path, data)
    return buf.getvalue()


def test_pip_requirements_direct_then_pip_install_with_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    wanted, other = installable_wheel("mxdemo", "1.0"), installable_wheel("mxdemo", "2.0")
    for version, data in (("1.0", wanted), ("2.0", other)):
        r = post_upload(upstream.base, f"mxdemo-{version}-py3-none-any.whl", data,
                        {"name": "mxdemo", "version": version, "filetype": "bdist_wheel",
                         "sha256_digest": hashlib.sha256(data).hexdigest()})
        assert r.status_code == 200, r.text
    proxy = nora_factory(proxy_env(NORA_PYPI_PROXY=f"{upstream.base}/simple"))
    requirements = write_file(tmp_path / "requirements.txt",
                              f"# pinned\nmxdemo==1.0 \\\n    --hash=sha256:{hashlib.sha256(wanted).hexdigest()}\n")

    filled = mirror_direct(proxy, "pip", "--requirements", requirements)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert counts(filled) == (3, 0, 0), filled.stdout + filled.stderr  # the page, the 1.0 wheel and its .metadata; not 2.0

    upstream.terminate()
    env = client_env(tmp_path / "client-home")
    venv = new_venv(tmp_path / "venv", env)
    installed = ok(run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url",
                        f"{proxy.base}/simple/", "--require-hashes", "-r", str(requirements)], env))
    assert "Successfully installed mxdemo-1.0" in installed.stdout, installed.stdout
    version = ok(run([str(venv / "bin" / "python"), "-c", "import mxdemo; print(mxdemo.VERSION)"], env)).stdout.strip()
    assert version == "1.0"

    bad = write_file(tmp_path / "bad.txt", "mxdemo==1.0\nflask>=2\n")
    refused = mirror(proxy, "pip", "--requirements", bad)
    assert refused.returncode != 0 and "bad.txt:2: 'flask>=2' is not pinned" in refused.stderr, refused.stderr


def test_cargo_lockfile_then_cargo_fetch_with_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    Cargo(tmp_path / "publisher", upstream).publish(make_crate(tmp_path / "src", "mxlib", "0.1.0", "pub fn x() {}\n"))
    cksum = index_lines(upstream, "mx/li/mxlib")[0]["cksum"]
    proxy = nora_factory(proxy_env(NORA_CARGO_PROXY=f"{upstream.base}/cargo"))
    app = make_crate(tmp_path / "src", "mxapp", "0.1.0", "", bin_rs="fn main() { mxlib::x(); }\n", deps='mxlib = "0.1"\n')
    # the lockfile cargo itself writes (crates.io is replaced by the registry in cargo's config)
    Cargo(tmp_path / "locker", upstream).run("generate-lockfile", cwd=app)
    lockfile = app / "Cargo.lock"
    assert f'checksum = "{cksum}"' in lockfile.read_text(), lockfile.read_text()
    filled = mirror(proxy, "cargo", "--lockfile", lockfile)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert counts(filled) == (2, 0, 0), filled.stdout  # the index file and the crate

    upstream.terminate()
    consumer = Cargo(tmp_path / "consumer", proxy)
    consumer.run("fetch", "--locked", cwd=app)
    assert list(consumer.home.rglob("mxlib-0.1.0.crate")), "the crate was not downloaded"

    wrong = write_file(tmp_path / "wrong" / "Cargo.lock", lockfile.read_text().replace(cksum, "0" * 64))
    mismatch = mirror(proxy, "cargo", "--lockfile", wrong)
    assert mismatch.returncode == 1 and "failed: cargo mxlib@0.1.0: checksum mismatch" in mismatch.stdout, mismatch.stdout


def test_go_sum_direct_then_go_build_with_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    body, _ = publish_ok(upstream, "example.com/Mx/Greet", "v1.0.0", {
        "go.mod": "module example.com/Mx/Greet\n\ngo 1.21\n",
        "greet.go": "package greet\n\nfunc Hello() string { return \"hello from the mirror\" }\n"})
    proxy = nora_factory(proxy_env(NORA_GO_PROXY=f"{upstream.base}/go"))
    go = GoClient(tmp_path / "go", f"{proxy.base}/go,off")
    app = tmp_path / "go" / "work"
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n\nrequire example.com/Mx/Greet v1.0.0\n")
    (app / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\n\tgreet "example.com/Mx/Greet"\n)\n\n'
                                 'func main() { fmt.Println(greet.Hello()) }\n')
    # the go.sum go itself writes, against the upstream
    GoClient(tmp_path / "locker", f"{upstream.base}/go,off").run("mod", "download", "example.com/Mx/Greet", cwd=app)
    go_sum = app / "go.sum"
    assert go_sum.read_text() == (f"example.com/Mx/Greet v1.0.0 {body['h1']}\n"
                                  f"example.com/Mx/Greet v1.0.0/go.mod {body['goModH1']}\n"), go_sum.read_text()

    filled = mirror_direct(proxy, "go", "--sum", go_sum)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert counts(filled) == (3, 0, 0), filled.stdout + filled.stderr  # .info, .zip, .mod

    upstream.terminate()
    go.run("build", "-o", str(tmp_path / "app"), ".", cwd=app)
    out = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "hello from the mirror"

    lying = write_file(tmp_path / "lying.sum", f"example.com/Mx/Greet v1.0.0 h1:{base64.b64encode(b'x' * 32).decode()}\n")
    mismatch = mirror(proxy, "go", "--sum", lying)
    assert mismatch.returncode == 1 and "failed: go example.com/Mx/Greet@v1.0.0 .zip: checksum mismatch" in mismatch.stdout, mismatch.stdout


def test_maven_pom_then_mvn_resolves_with_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    jar = make_jar(tmp_path / "mx-lib.jar", {"mx/Lib.txt": "mirrored 1.0\n"})
    lib_pom = write_file(tmp_path / "mx-lib.pom", pom_xml("com.example.mx", "mx-lib", "1.0"))
    Mvn(tmp_path / "deployer", upstream.url("/maven2/")).deploy_file(jar, lib_pom)
    proxy = nora_factory(proxy_env(NORA_MAVEN_PROXIES=upstream.url("/maven2")))
    pom = write_file(tmp_path / "consumer" / "pom.xml", """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example.app</groupId><artifactId>app</artifactId><version>0.1</version>
  <properties><mx.version>1.0</mx.version></properties>
  <dependencies>
    <dependency><groupId>com.example.mx</groupId><artifactId>mx-lib</artifactId><version>${mx.version}</version></dependency>
  </dependencies>
</project>
""")
    filled = mirror(proxy, "maven", "--pom", pom)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert counts(filled) == (4, 0, 0), filled.stdout  # pom, jar and their .sha1

    upstream.terminate()
    client = Mvn(tmp_path / "client", proxy.url("/maven2/"))
    client.get("com.example.mx:mx-lib:1.0")
    assert client.local_file("com.example.mx", "mx-lib", "1.0", "mx-lib-1.0.jar").read_bytes() == jar.read_bytes()


@pytest.fixture
def upstream_registry(tmp_path):
    reg = distribution(tmp_path / "upstream")
    yield reg
    stop_distribution(reg)


def test_docker_images_then_skopeo_copy_with_upstream_down(upstream_registry, nora_factory, skopeo, oci_image, tmp_path):
    upstream = upstream_registry
    second = build_image(tmp_path / "second", [{"arm.txt": b"built for another platform\n"}])
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/mx:amd64")
    skopeo.copy(second.ref, f"docker://{upstream.host}/team/mx:arm64")
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": image.manifest_digest, "size": len(image.manifest_bytes),
         "platform": {"architecture": arch, "os": "linux"}} for image, arch in ((oci_image, "amd64"), (second, "arm64"))
    ]}, separators=(",", ":")).encode()
    r = upstream.http().put("/v2/team/mx/manifests/latest", data=index, headers={"Content-Type": OCI_INDEX})
    assert r.status_code == 201, describe(r)
    proxy = proxy_nora(nora_factory, upstream.base)
    images = write_file(tmp_path / "images.txt", f"# what the site needs\nteam/mx:latest\nteam/mx@{second.manifest_digest}\n")

    filled = mirror(proxy.server, "docker", "--images", images)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    blobs = {oci_image.config_digest, *oci_image.layer_digests, second.config_digest, *second.layer_digests}
    assert counts(filled)[0] == 1 + 2 + len(blobs), filled.stdout  # the index, both manifests, every blob once

    stop_distribution(upstream)
    out = tmp_path / "pulled"
    skopeo.copy(f"docker://{proxy.host}/team/mx:latest", f"oci:{out}:latest", "--all")
    layout = OciLayout(out)
    layout.check_blobs()
    assert layout.blob(sha256(index)) == index
    for image in (oci_image, second):
        assert layout.blob(image.manifest_digest) == image.manifest_bytes
        for digest in [image.config_digest, *image.layer_digests]:
            assert file_sha256(layout.blob_path(digest)) == digest


def test_token_for_a_server_with_auth_on(nora_factory, auth_nora, tmp_path):
    upstream = nora_factory()
    body, _ = publish_ok(upstream, "example.com/mx/auth", "v1.0.0", {
        "go.mod": "module example.com/mx/auth\n\ngo 1.21\n", "a.go": "package auth\n"})
    proxy = auth_nora(proxy_env(NORA_GO_PROXY=f"{upstream.base}/go"))
    go_sum = write_file(tmp_path / "go.sum", f"example.com/mx/auth v1.0.0/go.mod {body['goModH1']}\n")

    refused = mirror(proxy, "go", "--sum", go_sum)
    assert refused.returncode == 1 and "failed: go example.com/mx/auth@v1.0.0 .mod: HTTP 401" in refused.stdout, refused.stdout
    token = cli_token(proxy, "mirror", "read")
    allowed = proxy.nora("mirror", "go", "--sum", str(go_sum), "--url", proxy.base, "--token", token, timeout=120)
    assert allowed.returncode == 0 and counts(allowed) == (1, 0, 0), allowed.stdout + allowed.stderr

    # --direct on a server with auth on: a read token made for the run, revoked after it
    direct_sum = write_file(tmp_path / "direct.sum", f"example.com/mx/auth v1.0.0 {body['h1']}\n")
    direct = mirror_direct(proxy, "go", "--sum", direct_sum)
    assert direct.returncode == 0 and counts(direct) == (2, 1, 0), direct.stdout + direct.stderr  # .info, .zip; .mod cached
    listed = proxy.nora("token", "list")
    assert "nora-mirror-" not in listed.stdout, listed.stdout

    # a wrong --url is one clear error, not a failure per item
    gone = proxy.nora("mirror", "go", "--sum", str(go_sum), "--url", f"http://127.0.0.1:{free_port()}", timeout=120)
    assert gone.returncode == 1 and "cannot reach the server" in gone.stderr and "mirror:" not in gone.stdout, gone
