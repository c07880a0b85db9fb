"""Hosted Go modules under /go/ driven by the real go command (GOPROXY=<nora>/go,off):
publish by HTTP PUT of module zips, then go get / mod download / build / list -versions,
go.sum hashes against re-downloads, fall-through of a GOPROXY list, and refused uploads."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from go_support import GoClient, escape, module_zip, parse_go_sum, publish, symlink_zip, zip_path

GREET_V1 = "package greet\n\nfunc Hello() string { return \"hello %s\" }\n"
GREET_V2 = "package greet\n\nfunc Hello(name string) string { return \"hi \" + name }\n"
UTIL = """package util

import (
\t"strings"

\t"example.com/greet"
)

func Shout() string { return strings.ToUpper(greet.Hello()) }
"""
APP = """package main

import (
\t"fmt"

\tutil "example.com/Corp/Util"
\tgreet "example.com/greet/v2"
)

func main() { fmt.Println(util.Shout(), greet.Hello("gopher")) }
"""


def publish_ok(nora, module, version, files):
    r, data = publish(nora, module, version, files)
    assert r.status == 201, r
    body = r.json()
    assert body["module"] == module and body["version"] == version
    assert body["h1"].startswith("h1:") and body["goModH1"].startswith("h1:")
    return body, data


@pytest.fixture
def hosted(nora):
    """Four versions of three modules: a library (v1.0.0, v1.1.0), its /v2, and an upper-case
    module that depends on the library."""
    published = {}
    for version, text in (("v1.0.0", "v1.0"), ("v1.1.0", "v1.1")):
        published[("example.com/greet", version)] = publish_ok(nora, "example.com/greet", version, {
            "go.mod": "module example.com/greet\n\ngo 1.21\n", "greet.go": GREET_V1 % text, "LICENSE": "MIT\n"})
    published[("example.com/greet/v2", "v2.0.0")] = publish_ok(nora, "example.com/greet/v2", "v2.0.0", {
        "go.mod": "module example.com/greet/v2\n\ngo 1.21\n", "greet.go": GREET_V2})
    published[("example.com/Corp/Util", "v0.3.0")] = publish_ok(nora, "example.com/Corp/Util", "v0.3.0", {
        "go.mod": "module example.com/Corp/Util\n\ngo 1.21\n\nrequire example.com/greet v1.0.0\n", "util.go": UTIL})
    return published


def test_go_consumes_hosted_modules(nora, hosted, tmp_path):
    go = GoClient(tmp_path / "go", f"{nora.base}/go,off")
    app = tmp_path / "go" / "work"
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (app / "main.go").write_text(APP)

    go.run("get", "example.com/Corp/Util@v0.3.0", "example.com/greet/v2@v2.0.0", cwd=app)
    go.run("mod", "download", cwd=app)
    go.run("build", "-o", str(tmp_path / "app"), ".", cwd=app)
    out = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "HELLO V1.0 hi gopher"

    listed = go.run("list", "-m", "-versions", "example.com/greet", cwd=app).stdout.split()
    assert listed == ["example.com/greet", "v1.0.0", "v1.1.0"]
    listed = go.run("list", "-m", "-versions", "example.com/Corp/Util", cwd=app).stdout.split()
    assert listed == ["example.com/Corp/Util", "v0.3.0"]

    go.run("get", "example.com/greet@latest", cwd=app)
    assert "example.com/greet v1.1.0" in (app / "go.mod").read_text()
    go.run("build", "-o", str(tmp_path / "app"), ".", cwd=app)
    out = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "HELLO V1.1 hi gopher"

    # go.sum pins what the registry reported at publish time ...
    sums = parse_go_sum((app / "go.sum").read_text())
    for (module, version), (body, _) in hosted.items():
        if (module, version) == ("example.com/greet", "v1.0.0"):
            assert sums[(module, version + "/go.mod")] == body["goModH1"]
            continue  # only its go.mod is needed once v1.1.0 is selected
        assert sums[(module, version)] == body["h1"], (module, version)
        assert sums[(module, version + "/go.mod")] == body["goModH1"], (module, version)

    # ... and a fresh download from an empty cache hashes the same.
    go.clean_modcache()
    for module, version in (("example.com/Corp/Util", "v0.3.0"), ("example.com/greet/v2", "v2.0.0"),
                            ("example.com/greet", "v1.1.0")):
        info = json.loads(go.run("mod", "download", "-json", f"{module}@{version}", cwd=app).stdout)
        assert info["Sum"] == sums[(module, version)]
        assert info["GoModSum"] == sums[(module, version + "/go.mod")]
    go.run("mod", "verify", cwd=app)


def test_proxy_protocol_endpoints(nora, hosted):
    r = nora.get("/go/example.com/greet/@v/list")
    assert r.status == 200 and r.text == "v1.0.0\nv1.1.0\n", r
    assert r.header("content-type").startswith("text/plain")

    r = nora.get("/go/example.com/greet/@v/v1.0.0.info")
    assert r.status == 200, r
    info = r.json()
    assert info["Version"] == "v1.0.0" and info["Time"].endswith("Z") and "T" in info["Time"]

    r = nora.get("/go/example.com/greet/@latest")
    assert r.status == 200 and r.json()["Version"] == "v1.1.0", r

    r = nora.get("/go/example.com/greet/v2/@v/v2.0.0.mod")
    assert r.status == 200 and r.text == "module example.com/greet/v2\n\ngo 1.21\n", r

    # Zips are served byte-identical to the upload; !x case-encoding, with ! sent as %21.
    _, uploaded = hosted[("example.com/Corp/Util", "v0.3.0")]
    for path in ("/go/example.com/!corp/!util/@v/v0.3.0.zip", "/go/example.com/%21corp/%21util/@v/v0.3.0.zip"):
        r = nora.get(path)
        assert r.status == 200 and r.body == uploaded, r
        assert r.header("content-type") == "application/zip"
    r = nora.head("/go/example.com/%21corp/%21util/@v/v0.3.0.zip")
    assert r.status == 200 and int(r.header("content-length")) == len(uploaded)
    assert nora.get("/go/example.com/%21corp/%21util/@v/list").text == "v0.3.0\n"

    # Not hosted here: 404 with a plain-text reason, so a GOPROXY list falls through.
    for path in ("/go/example.com/nothing/@v/list", "/go/example.com/nothing/@latest",
                 "/go/example.com/greet/@v/v9.9.9.info", "/go/example.com/greet/@v/v9.9.9.zip",
                 "/go/example.com/Corp/Util/@v/list",  # not case-encoded: names nothing
                 "/go/sumdb/sum.golang.org/supported"):
        r = nora.get(path)
        assert r.status == 404, (path, r)
        assert r.header("content-type").startswith("text/plain") and r.text.strip(), r


def test_goproxy_list_falls_through(nora_factory, tmp_path):
    first, second = nora_factory(), nora_factory()
    publish_ok(second, "example.com/elsewhere", "v1.0.0", {
        "go.mod": "module example.com/elsewhere\n", "e.go": "package elsewhere\n"})
    go = GoClient(tmp_path / "go", f"{first.base}/go,{second.base}/go,off")
    info = json.loads(go.run("mod", "download", "-json", "example.com/elsewhere@v1.0.0").stdout)
    assert info["Version"] == "v1.0.0" and info["Sum"].startswith("h1:")

    # The 404 of the first sends go on to the next entry ("off" here) ...
    then_off = GoClient(tmp_path / "go2", f"{first.base}/go,off")
    proc = then_off.run("mod", "download", "-json", "example.com/elsewhere@v1.0.0", check=False)
    assert proc.returncode != 0
    assert "module lookup disabled by GOPROXY=off" in proc.stdout, proc.stdout
    # ... and when it is the last entry, go shows the status and nora's reason.
    alone = GoClient(tmp_path / "go3", f"{first.base}/go")
    proc = alone.run("mod", "download", "-json", "example.com/elsewhere@v1.0.0", check=False)
    assert proc.returncode != 0
    assert "404 Not Found" in proc.stdout and "not hosted here" in proc.stdout, proc.stdout


def test_staged_mod_must_match_the_zip(nora):
    module, version = "example.com/staged", "v1.0.0"
    go_mod = "module example.com/staged\n\ngo 1.21\n"
    r = nora.put(zip_path(module, version, "mod"), go_mod)
    assert r.status == 202, r
    r, _ = publish(nora, module, version, {"go.mod": "module example.com/staged\n", "s.go": "package staged\n"})
    assert r.status == 400 and "differs from the .mod" in r.text, r
    assert nora.get(zip_path(module, version, "info")).status == 404
    publish_ok(nora, module, version, {"go.mod": go_mod, "s.go": "package staged\n"})
    assert nora.put(zip_path(module, version, "mod"), go_mod).status == 200
    r = nora.put(zip_path(module, version, "mod"), "module example.com/staged\n")
    assert r.status == 409, r
    r = nora.put(zip_path(module, version, "info"), '{"Version":"v1.0.0"}')
    assert r.status == 405 and "generated" in r.text, r


M = "example.com/bad"
GOOD_MOD = "module example.com/bad\n"

BAD_UPLOADS = [
    ("outside-prefix", "v1.0.0",
     lambda: module_zip(M, "v1.0.0", {f"{M}@v1.0.0/go.mod": GOOD_MOD, "example.com/other@v1.0.0/x.go": "package x\n"},
                        prefix=""),
     400, "does not have prefix"),
    ("module-mismatch", "v1.0.0", lambda: module_zip(M, "v1.0.0", {"go.mod": "module example.com/other\n"}),
     400, 'declares module "example.com/other"'),
    ("non-canonical", "v1.0", lambda: module_zip(M, "v1.0", {"go.mod": GOOD_MOD}), 400, "not canonical"),
    ("build-metadata", "v1.0.0+meta", lambda: module_zip(M, "v1.0.0+meta", {"go.mod": GOOD_MOD}), 400, "not canonical"),
    ("major-mismatch", "v2.0.0", lambda: module_zip(M, "v2.0.0", {"go.mod": GOOD_MOD}), 400, "should be v0 or v1"),
    ("traversal", "v1.0.0", lambda: module_zip(M, "v1.0.0", {"go.mod": GOOD_MOD, "../../../tmp/evil": "x"}),
     400, "not clean"),
    ("symlink", "v1.0.0", lambda: symlink_zip(M, "v1.0.0", GOOD_MOD), 400, "symbolic link"),
    ("case-duplicate", "v1.0.0", lambda: module_zip(M, "v1.0.0", {"go.mod": GOOD_MOD, "a.go": "package bad\n",
                                                                   "A.go": "package bad\n"}), 400, "collision"),
    ("not-a-zip", "v1.0.0", lambda: b"this is not a zip file", 400, "not a valid zip"),
]


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_uploads_are_refused_and_nothing_is_stored(nora, case):
    _, version, build, status, reason = case
    before = nora.blob_files()
    r = nora.put(f"/go/{escape(M)}/@v/{escape(version)}.zip", build())
    assert r.status == status, r
    assert reason in r.text, r
    assert r.header("content-type").startswith("text/plain")
    assert nora.blob_files() == before
    assert nora.get(f"/go/{M}/@v/list").status == 404
    uploads = nora.storage / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_oversize_zip_is_refused(nora_factory):
    nora = nora_factory({"NORA_GO_MAX_ZIP_SIZE": "4096"})
    data = module_zip(M, "v1.0.0", {"go.mod": GOOD_MOD, "blob.bin": os.urandom(8192)})
    for chunked in (False, True):  # declared length, and streamed without one
        r = nora.put(zip_path(M, "v1.0.0"), data, chunked=chunked)
        assert r.status == 413, r
        assert "NORA_GO_MAX_ZIP_SIZE" in r.text, r
    # Small zip, huge content: the uncompressed total counts too.
    bomb = module_zip(M, "v1.0.0", {"go.mod": GOOD_MOD, "zeros.txt": b"\0" * 100_000})
    assert len(bomb) < 4096
    r = nora.put(zip_path(M, "v1.0.0"), bomb)
    assert r.status == 400 and "too large" in r.text, r
    assert nora.blob_files() == []
    assert nora.get(f"/go/{M}/@v/list").status == 404


def test_republish_is_a_conflict_and_the_zip_never_changes(nora):
    _, original = publish_ok(nora, M, "v1.0.0", {"go.mod": GOOD_MOD, "bad.go": "package bad\n"})
    r, _ = publish(nora, M, "v1.0.0", {"go.mod": GOOD_MOD, "bad.go": "package bad // changed\n"})
    assert r.status == 409 and "immutable" in r.text, r
    r, _ = publish(nora, M, "v1.0.0", {"go.mod": GOOD_MOD, "bad.go": "package bad\n"})
    assert r.status == 409, r
    assert nora.get(zip_path(M, "v1.0.0")).body == original
    assert nora.get(f"/go/{M}/@v/list").text == "v1.0.0\n"


def test_publishing_needs_write_access(auth_nora):
    nora = auth_nora({"NORA_AUTH_ANONYMOUS_READ": "true"})
    files = {"go.mod": GOOD_MOD, "bad.go": "package bad\n"}
    r, _ = publish(nora, M, "v1.0.0", files)
    assert r.status == 401, r
    assert r.header("www-authenticate").startswith("Basic")
    assert r.header("content-type").startswith("text/plain")
    r, _ = publish(nora, M, "v1.0.0", files, user="admin:s3cret")
    assert r.status == 201, r
    assert nora.get(f"/go/{M}/@v/list").text == "v1.0.0\n"


def test_nora_go_publish_cli(nora, tmp_path):
    """`nora go publish` builds the module zip by the go command's rules (nested modules and
    VCS folders left out) and uploads it; go then downloads it and agrees on its hash."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / ".git").mkdir()
    (src / "nested").mkdir()
    (src / "go.mod").write_text("module example.com/clitool\n\ngo 1.21\n")
    (src / "tool.go").write_text("package clitool\n\nfunc Name() string { return \"cli\" }\n")
    (src / "sub" / "helper.go").write_text("package sub\n\nfunc Help() {}\n")
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (src / "nested" / "go.mod").write_text("module example.com/clitool/nested\n")
    (src / "nested" / "n.go").write_text("package nested\n")

    result = nora.nora("go", "publish", str(src), "--version", "v1.0.0", "--registry", nora.base)
    assert result.returncode == 0, result.stderr
    published = json.loads(result.stdout)
    assert published["module"] == "example.com/clitool" and published["h1"].startswith("h1:")

    r = nora.get("/go/example.com/clitool/@v/list")
    assert r.status == 200 and r.text == "v1.0.0\n", r
    zipped = nora.get("/go/example.com/clitool/@v/v1.0.0.zip").body
    import io
    import zipfile
    names = sorted(zipfile.ZipFile(io.BytesIO(zipped)).namelist())
    assert names == ["example.com/clitool@v1.0.0/go.mod", "example.com/clitool@v1.0.0/sub/helper.go",
                     "example.com/clitool@v1.0.0/tool.go"], names

    go = GoClient(tmp_path / "go", f"{nora.base}/go,off")
    work = tmp_path / "go" / "work"
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text("module example.com/consumer\n\ngo 1.21\n")
    info = json.loads(go.run("mod", "download", "-json", "example.com/clitool@v1.0.0", cwd=work).stdout)
    assert info["Sum"] == published["h1"]

    # Publishing the same version again is refused, and the CLI says why.
    again = nora.nora("go", "publish", str(src), "--version", "v1.0.0", "--registry", nora.base)
    assert again.returncode != 0 and "v1.0.0" in (again.stderr + again.stdout)


def test_nora_go_publish_cli_with_auth(auth_nora, tmp_path):
    """Without a token the CLI reports the 401 and nothing is stored; with a write token it publishes."""
    nora = auth_nora({"NORA_AUTH_ANONYMOUS_READ": "true"})
    src = tmp_path / "src"
    src.mkdir()
    (src / "go.mod").write_text("module example.com/authtool\n\ngo 1.21\n")
    (src / "tool.go").write_text("package authtool\n")

    refused = nora.nora("go", "publish", str(src), "--version", "v0.1.0", "--registry", nora.base)
    assert refused.returncode != 0 and "401" in refused.stderr + refused.stdout, refused
    assert nora.get("/go/example.com/authtool/@v/list").status == 404

    made = nora.nora("token", "create", "--name", "ci", "--role", "write")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    ok = nora.nora("go", "publish", str(src), "--version", "v0.1.0", "--registry", nora.base, "--token", token)
    assert ok.returncode == 0, ok.stderr
    assert nora.get("/go/example.com/authtool/@v/list").text == "v0.1.0\n"


LEGACY_APP = """package main

import (
\t"fmt"

\t"example.com/legacy"
\t"example.com/oldcli"
)

func main() { fmt.Println(legacy.Name(), oldcli.Name()) }
"""


def test_modules_without_go_mod(nora, tmp_path):
    """Releases that predate modules (github.com/pkg/errors v0.9.1 and the like) have no go.mod:
    accepted by PUT and by `nora go publish --module`, served with the .mod the go command
    synthesises, so go.sum agrees with the checksum database's hashes; a /vN path still needs one."""
    body, _ = publish_ok(nora, "example.com/legacy", "v1.0.0",
                         {"legacy.go": "package legacy\n\nfunc Name() string { return \"legacy\" }\n"})
    r = nora.get("/go/example.com/legacy/@v/v1.0.0.mod")
    assert r.status == 200 and r.text == "module example.com/legacy\n", r

    src = tmp_path / "oldcli"
    src.mkdir()
    (src / "cli.go").write_text("package oldcli\n\nfunc Name() string { return \"oldcli\" }\n")
    refused = nora.nora("go", "publish", str(src), "--version", "v0.1.0", "--registry", nora.base)
    assert refused.returncode != 0 and "--module" in refused.stderr, refused.stderr
    result = nora.nora("go", "publish", str(src), "--module", "example.com/oldcli", "--version", "v0.1.0",
                       "--registry", nora.base)
    assert result.returncode == 0, result.stderr
    cli = json.loads(result.stdout)

    go = GoClient(tmp_path / "go", f"{nora.base}/go,off")
    app = tmp_path / "go" / "work"
    app.mkdir(parents=True, exist_ok=True)
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (app / "main.go").write_text(LEGACY_APP)
    go.run("get", "example.com/legacy@v1.0.0", "example.com/oldcli@v0.1.0", cwd=app)
    go.run("build", "-o", str(tmp_path / "legacy-app"), ".", cwd=app)
    out = subprocess.run([str(tmp_path / "legacy-app")], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "legacy oldcli"
    sums = parse_go_sum((app / "go.sum").read_text())
    for module, version, published in (("example.com/legacy", "v1.0.0", body), ("example.com/oldcli", "v0.1.0", cli)):
        assert sums[(module, version)] == published["h1"]
        assert sums[(module, version + "/go.mod")] == published["goModH1"]

    before = nora.blob_files()
    r = nora.put(f"/go/{escape(M)}/v2/@v/v2.0.0.zip",
                 module_zip(M + "/v2", "v2.0.0", {"bad.go": "package bad\n"}))
    assert r.status == 400 and "missing go.mod" in r.text, r
    assert nora.blob_files() == before
