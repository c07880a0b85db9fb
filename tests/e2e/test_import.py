"""`nora import nora DIR`: a storage folder laid out as NORA writes it (built here from real
artifacts: an umoci image, an `npm pack` tarball, a wheel and sdist from `python -m build`, a
`cargo package` crate, a Go module zip, a jar and a raw file) is imported into a running
nora; then each format's real client gets the same bytes from nora. A second run imports
nothing; damaged items fail by name with nothing of them stored."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import zipfile

from cargo_support import Cargo, REGISTRY, crate_tarball, index_lines, make_crate
from go_support import GoClient, module_zip
from maven_support import Mvn, make_jar, pom_xml
from nora_e2e import clean_env
from nora_layout_support import NoraStorage, sha256
from npm_support import Npm, make_package, new_project
from oci_support import Skopeo, oci_image  # noqa: F401  (session fixture)
from pypi_support import build, client_env, installed_version, make_project, new_venv, ok, pip_install, simple_json

IMPORT_TIMEOUT = 300


def run_import(nora, folder, *extra):
    return nora.nora("import", "nora", str(folder), *extra, timeout=IMPORT_TIMEOUT)


def summary_line(output: str, fmt: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(fmt + ":"))


def image_into(storage: NoraStorage, name: str, image, tags: list[str]) -> str:
    blobs = {d: image.layout.blob(d) for d in [image.config_digest, *image.layer_digests]}
    return storage.add_image(name, image.manifest_bytes, blobs, tags)


def npm_pack(folder, dest, home):
    dest.mkdir(parents=True, exist_ok=True)
    env = clean_env(home, {"NPM_CONFIG_CACHE": str(home / "npm-cache"), "NO_UPDATE_NOTIFIER": "1"})
    proc = subprocess.run(["npm", "pack", "--pack-destination", str(dest)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return (dest / proc.stdout.strip().splitlines()[-1]).read_bytes()


def test_import_then_every_client_gets_the_same_bytes(nora, tmp_path, oci_image):
    storage = NoraStorage(tmp_path / "nora-storage")
    work = tmp_path / "work"

    # OCI: one image under two tags, and under a proxy namespace.
    manifest_digest = image_into(storage, "team/app", oci_image, ["v1", "latest"])
    image_into(storage, "docker.io/library/demo", oci_image, ["1.0"])
    image_blobs = {d: oci_image.layout.blob(d) for d in [oci_image.config_digest, *oci_image.layer_digests]}
    index_bytes, _ = storage.add_index("team/multi", [(oci_image.manifest_bytes, image_blobs,
                                                       {"architecture": "amd64", "os": "linux"})], ["2.0"])

    # npm: two versions of a plain package (latest and a `beta` tag file), one scoped package.
    npm_home = tmp_path / "npm-home"
    packs = {}
    for name, version in [("imported-pkg", "1.0.0"), ("imported-pkg", "2.0.0-beta.1"), ("@acme/scoped", "0.3.0")]:
        folder = make_package(work / "npm", name, version)
        packs[(name, version)] = (json.loads((folder / "package.json").read_text()),
                                  npm_pack(folder, work / "npm-out", npm_home))
    storage.add_npm("imported-pkg", {v: packs[("imported-pkg", v)] for v in ["1.0.0", "2.0.0-beta.1"]},
                    {"latest": "1.0.0"}, tag_files={"beta": "2.0.0-beta.1"}, deprecated={"2.0.0-beta.1": "try 1.x"})
    storage.add_npm("@acme/scoped", {"0.3.0": packs[("@acme/scoped", "0.3.0")]}, {"latest": "0.3.0"})

    # PyPI: a wheel and an sdist.
    py_env = client_env(tmp_path / "py-home")
    wheel, sdist = build(make_project(work / "py", "Imported_Demo", "1.4"), work / "py-out", py_env)
    storage.add_pypi("imported-demo", [wheel, sdist])

    # Cargo: 0.1.0, and 0.1.1 yanked in NORA.
    cargo = Cargo(tmp_path / "cargo", nora)
    crates = {}
    for version in ["0.1.0", "0.1.1"]:
        folder = make_crate(work / "crates", "importedlib", version, f'pub fn which() -> &\'static str {{ "{version}" }}\n')
        cargo.run("package", "--no-verify", "--allow-dirty", cwd=folder)
        crates[version] = (cargo.target / "package" / f"importedlib-{version}.crate").read_bytes()
    storage.add_crate("importedlib", "0.1.0", crates["0.1.0"])
    storage.add_crate("importedlib", "0.1.1", crates["0.1.1"], yanked=True)

    # Go, Maven, raw.
    go_mod = "module example.com/Imported\n\ngo 1.21\n"
    go_zip = module_zip("example.com/Imported", "v1.2.0", {"go.mod": go_mod, "imp.go": "package imported\n\nconst V = \"1.2.0\"\n"})
    storage.add_go("example.com/Imported", "v1.2.0", go_mod, go_zip)
    jar = make_jar(work / "lib.jar", {"org/example/Imp.class": "not really a class"}).read_bytes()
    pom = pom_xml("org.example", "imported", "1.0").encode()
    storage.add_maven("org/example/imported/1.0/imported-1.0.jar", jar)
    storage.add_maven("org/example/imported/1.0/imported-1.0.pom", pom)
    storage.write("maven/org/example/imported/maven-metadata.xml", "<metadata/>")
    raw = bytes(range(256)) * 64
    storage.add_raw("releases/tool v1.bin", raw)

    first = run_import(nora, storage.root)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert summary_line(out, "docker") == "docker: 4 imported, 0 already present, 0 failed", out
    assert summary_line(out, "npm") == "npm: 3 imported, 0 already present, 0 failed", out
    assert summary_line(out, "pypi") == "pypi: 2 imported, 0 already present, 0 failed", out
    assert summary_line(out, "cargo") == "cargo: 2 imported, 0 already present, 0 failed", out
    assert summary_line(out, "go") == "go: 1 imported, 0 already present, 0 failed", out
    assert summary_line(out, "maven") == "maven: 2 imported, 0 already present, 0 failed", out
    assert summary_line(out, "raw") == "raw: 1 imported, 0 already present, 0 failed", out
    assert "[1/" in first.stderr  # plain progress lines when not on a terminal

    # OCI: skopeo pulls both names; the manifest is byte-identical, every blob checked by skopeo.
    skopeo = Skopeo(tmp_path / "skopeo")
    host = f"127.0.0.1:{nora.port}"
    for ref in ["team/app:v1", "team/app:latest", "docker.io/library/demo:1.0"]:
        raw_manifest = skopeo.run("inspect", "--tls-verify=false", "--raw", f"docker://{host}/{ref}").stdout
        assert hashlib.sha256(raw_manifest).hexdigest() == manifest_digest.split(":")[1]
    assert skopeo.run("inspect", "--tls-verify=false", "--raw", f"docker://{host}/team/multi:2.0").stdout == index_bytes
    skopeo.copy(f"docker://{host}/team/multi:2.0", f"oci:{tmp_path / 'multi'}:2.0", "--all")
    skopeo.copy(f"docker://{host}/team/app:v1", f"oci:{tmp_path / 'pulled'}:v1")
    for digest in oci_image.layer_digests:
        assert (tmp_path / "pulled" / "blobs" / "sha256" / digest.split(":")[1]).read_bytes() == oci_image.layout.blob(digest)

    # npm: install by range and by tag; dist-tags as in NORA; the tarball byte for byte.
    npm = Npm(nora, tmp_path / "npm-client")
    project = new_project(tmp_path / "npm-client")
    npm.run("install", "imported-pkg@^1", "@acme/scoped", cwd=project)
    installed = json.loads((project / "node_modules" / "imported-pkg" / "package.json").read_text())
    assert installed["version"] == "1.0.0"
    assert (project / "node_modules" / "@acme" / "scoped" / "index.js").exists()
    assert npm.json("view", "imported-pkg", "dist-tags", cwd=project) == {"latest": "1.0.0", "beta": "2.0.0-beta.1"}
    npm.run("install", "imported-pkg@beta", cwd=project)
    assert json.loads((project / "node_modules" / "imported-pkg" / "package.json").read_text())["version"] == "2.0.0-beta.1"
    assert nora.get("/npm/imported-pkg/-/imported-pkg-1.0.0.tgz").body == packs[("imported-pkg", "1.0.0")][1]
    assert npm.run("view", "imported-pkg@2.0.0-beta.1", "deprecated", cwd=project).stdout.strip() == "try 1.x"

    # PyPI: pip installs it; both files are served byte for byte.
    venv = new_venv(tmp_path / "venv", py_env)
    ok(pip_install(venv, f"{nora.base}/simple/", "imported-demo", py_env))
    assert installed_version(venv, "imported_demo_mod", py_env) == "1.4"
    served = {f["filename"]: f for f in simple_json(nora, "imported-demo")["files"]}
    for file in (wheel, sdist):
        assert served[file.name]["hashes"]["sha256"] == sha256(file.read_bytes())

    # Cargo: the yanked version stays yanked, so a consumer resolves 0.1.0 and builds with it.
    lines = {l["vers"]: l for l in index_lines(nora, "im/po/importedlib")}
    assert lines["0.1.0"]["yanked"] is False and lines["0.1.1"]["yanked"] is True
    assert lines["0.1.0"]["cksum"] == sha256(crates["0.1.0"])
    app = make_crate(work / "crates", "app", "0.1.0", "", bin_rs='fn main() { println!("{}", importedlib::which()); }\n',
                     deps=f'importedlib = {{ version = "0.1", registry = "{REGISTRY}" }}\n')
    assert cargo.run("run", "-q", cwd=app).stdout.strip() == "0.1.0"

    # Go: `go mod download` fetches the same zip.
    go = GoClient(tmp_path / "go", f"{nora.base}/go,off")
    info = json.loads(go.run("mod", "download", "-json", "example.com/Imported@v1.2.0").stdout)
    assert open(info["Zip"], "rb").read() == go_zip
    assert info["Sum"] == go_h1(go_zip)  # the go.sum hash the --go-sum check computes is the go command's

    # Maven: mvn resolves the jar; raw: curl gets the file.
    mvn = Mvn(tmp_path / "mvn", f"{nora.base}/maven2")
    mvn.get("org.example:imported:1.0")
    assert mvn.local_file("org.example", "imported", "1.0", "imported-1.0.jar").read_bytes() == jar
    assert nora.get("/raw/releases/tool%20v1.bin").body == raw

    # A second run finds everything here, changes nothing, and says so.
    rev_before = nora.get("/npm/imported-pkg").json()["_rev"]
    second = run_import(nora, storage.root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing new to import" in second.stdout, second.stdout
    assert summary_line(second.stdout, "npm") == "npm: 0 imported, 3 already present, 0 failed"
    assert summary_line(second.stdout, "docker") == "docker: 0 imported, 4 already present, 0 failed"
    assert nora.get("/npm/imported-pkg").json()["_rev"] == rev_before


def go_h1_files(files: dict[str, bytes]) -> str:
    """go.sum's h1: (dirhash Hash1) over named files."""
    summary = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def go_h1(zipped: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        return go_h1_files({name: z.read(name) for name in z.namelist() if not name.endswith("/")})


def flip_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_damaged_items_fail_by_name_and_store_nothing(nora, tmp_path):
    storage = NoraStorage(tmp_path / "nora-storage")
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer = crate_tarball({"file.txt": b"layer bytes " * 1000})
    config_digest, layer_digest = "sha256:" + sha256(config), "sha256:" + sha256(layer)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                                       "size": len(layer)}]}).encode()
    storage.add_image("broken/app", manifest, {config_digest: config, layer_digest: layer}, ["v1"])
    flip_byte(storage.path(f"docker/broken/app/blobs/{layer_digest}"))

    # A tag whose manifest file no longer matches the digest NORA noted beside it.
    other = json.dumps({"architecture": "arm64", "os": "linux"}).encode()
    other_manifest = manifest.replace(config_digest.encode(), ("sha256:" + sha256(other)).encode()).replace(
        f'"size": {len(config)}'.encode(), f'"size": {len(other)}'.encode(), 1)
    storage.add_image("noted/app", other_manifest, {"sha256:" + sha256(other): other, layer_digest: layer}, ["v2"])
    storage.write("docker/noted/app/manifests/v2.json", other_manifest.replace(b'"schemaVersion": 2', b'"schemaVersion":  2'))

    storage.add_index("partial/multi", [(manifest, {}, {"architecture": "arm64", "os": "linux"})], ["1"], keep_children=False)

    good, bad = crate_tarball({"package/package.json": b'{"name":"half","version":"1.0.0"}'}), crate_tarball({"package/package.json": b'{"name":"half","version":"1.0.1"}'})
    storage.add_npm("half", {"1.0.0": ({"name": "half", "version": "1.0.0"}, good),
                             "1.0.1": ({"name": "half", "version": "1.0.1"}, bad)}, {"latest": "1.0.1"})
    flip_byte(storage.path("npm/half/tarballs/half-1.0.1.tgz"))

    crate = crate_tarball({"broken-0.1.0/Cargo.toml": b'[package]\nname = "broken"\nversion = "0.1.0"\n'})
    storage.add_crate("broken", "0.1.0", crate)
    flip_byte(storage.path("cargo/broken/0.1.0/broken-0.1.0.crate"))

    # Go: go.sum (given with --go-sum) has the right h1 for one module, a wrong one for the other.
    go_sum = tmp_path / "go.sum"
    lines = []
    for module, right in [("example.com/good", True), ("example.com/bad", False)]:
        mod = f"module {module}\n"
        zipped = module_zip(module, "v1.0.0", {"go.mod": mod, "x.go": "package x\n"})
        storage.add_go(module, "v1.0.0", mod, zipped)
        lines.append(f"{module} v1.0.0 {go_h1(zipped) if right else 'h1:' + base64.b64encode(bytes(32)).decode()}")
        lines.append(f"{module} v1.0.0/go.mod {go_h1_files({'go.mod': mod.encode()})}")
    go_sum.write_text("\n".join(lines) + "\n")

    storage.add_maven("org/bad/lib/1.0/lib-1.0.jar", b"jar bytes" * 50, sha1="0" * 40)
    storage.add_raw("fine.txt", b"fine")

    only_raw = run_import(nora, storage.root, "--only", "raw", "--go-sum", str(go_sum))
    assert only_raw.returncode == 0 and only_raw.stdout.splitlines()[0] == "raw: 1 imported, 0 already present, 0 failed", only_raw.stdout

    result = run_import(nora, storage.root, "--json", "--go-sum", str(go_sum))
    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["formats"]["npm"]["failed"] == 1 and summary["formats"]["npm"]["failures"][0].startswith("half@1.0.1: ")
    assert summary["formats"]["raw"] == {"imported": 0, "present": 1, "failed": 0, "failures": []}

    result = run_import(nora, storage.root, "--go-sum", str(go_sum))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert summary_line(out, "go") == "go: 0 imported, 1 already present, 1 failed", out
    assert "failed example.com/bad@v1.0.0: the .zip hashes to h1:" in out and "go.sum says" in out, out
    assert summary_line(out, "docker") == "docker: 0 imported, 1 already present, 3 failed", out
    assert "failed noted/app:v2: manifest v2 is corrupt: its bytes hash to sha256:" in out and "NORA noted" in out, out
    assert f"failed broken/app:v1: blob {layer_digest} is corrupt" in out, out
    assert "failed partial/multi:1: manifest sha256:" in out and "a child of index" in out, out
    assert summary_line(out, "npm") == "npm: 0 imported, 1 already present, 1 failed", out
    assert "failed half@1.0.1: publish refused: 400" in out and "shasum mismatch" in out, out
    assert summary_line(out, "cargo") == "cargo: 0 imported, 0 already present, 1 failed", out
    assert "failed broken@0.1.0: the .crate is corrupt" in out, out
    assert summary_line(out, "maven") == "maven: 0 imported, 0 already present, 1 failed", out
    assert "failed org/bad/lib/1.0/lib-1.0.jar: corrupt: its sha1 is" in out, out
    assert summary_line(out, "raw") == "raw: 0 imported, 1 already present, 0 failed", out

    # Nothing of a failed item is stored: no manifest, no blob of the image, no npm 1.0.1,
    # no crate version, no Maven file; and the good npm version is served.
    assert nora.head("/v2/broken/app/manifests/v1").status == 404
    assert nora.head("/v2/partial/multi/manifests/1").status == 404
    stored = {p.name for p in nora.blob_files()}
    assert config_digest.split(":")[1] not in stored  # (the layer is intact in noted/app, imported by digest)
    for digest in (config_digest, layer_digest):
        assert nora.head(f"/v2/broken/app/blobs/{digest}").status == 404
    packument = nora.get("/npm/half").json()
    assert set(packument["versions"]) == {"1.0.0"} and packument["dist-tags"]["latest"] == "1.0.0"
    assert nora.get("/cargo/index/6/br/broken").status == 404 or not nora.get("/cargo/index/6/br/broken").text.strip()
    assert nora.head("/maven2/org/bad/lib/1.0/lib-1.0.jar").status == 404
    assert nora.get("/raw/fine.txt").body == b"fine"
    assert nora.get("/go/example.com/bad/@v/v1.0.0.info").status == 404


def test_import_from_a_bucket(nora, tmp_path):
    """`--s3 BUCKET/PREFIX`: NORA's layout read from an S3 bucket (moto, signatures checked)."""
    import boto3
    import s3_support

    storage = NoraStorage(tmp_path / "nora-storage")
    payload = bytes(range(256)) * 4096  # 1 MiB: streamed through a temporary file
    storage.add_raw("big/blob.bin", payload)
    storage.add_maven("org/s3/lib/2.0/lib-2.0.jar", b"jar from a bucket")
    go_zip = module_zip("example.com/froms3", "v0.1.0", {"go.mod": "module example.com/froms3\n", "a.go": "package froms3\n"})
    storage.add_go("example.com/froms3", "v0.1.0", "module example.com/froms3\n", go_zip)
    tarball = crate_tarball({"package/package.json": b'{"name":"froms3","version":"3.0.0"}'})
    storage.add_npm("froms3", {"3.0.0": ({"name": "froms3", "version": "3.0.0"}, tarball)}, {"latest": "3.0.0"})

    folder = tmp_path / "moto"
    s3 = s3_support.start(folder)
    try:
        s3_support.create_bucket(s3, "nora-old")
        client = boto3.client("s3", endpoint_url=s3["NORA_TEST_S3_URL"], region_name="us-east-1",
                              aws_access_key_id=s3["NORA_TEST_S3_ACCESS_KEY"], aws_secret_access_key=s3["NORA_TEST_S3_SECRET_KEY"])
        for path in storage.root.rglob("*"):
            if path.is_file():
                client.upload_file(str(path), "nora-old", "storage/" + path.relative_to(storage.root).as_posix())
        env = {"NORA_STORAGE_S3_URL": s3["NORA_TEST_S3_URL"], "NORA_STORAGE_S3_ACCESS_KEY": s3["NORA_TEST_S3_ACCESS_KEY"],
               "NORA_STORAGE_S3_SECRET_KEY": s3["NORA_TEST_S3_SECRET_KEY"]}
        result = nora.nora("import", "nora", "--s3", "nora-old/storage", env=env, timeout=IMPORT_TIMEOUT)
        assert result.returncode == 0, result.stdout + result.stderr
        for fmt in ("raw", "maven", "go", "npm"):
            assert summary_line(result.stdout, fmt) == f"{fmt}: 1 imported, 0 already present, 0 failed", result.stdout
        again = nora.nora("import", "nora", "--s3", "nora-old/storage", env=env, timeout=IMPORT_TIMEOUT)
        assert again.returncode == 0 and "nothing new to import" in again.stdout, again.stdout + again.stderr
    finally:
        s3_support.stop(folder)
    assert nora.get("/raw/big/blob.bin").body == payload
    assert nora.get("/maven2/org/s3/lib/2.0/lib-2.0.jar").body == b"jar from a bucket"
    assert nora.get("/go/example.com/froms3/@v/v0.1.0.zip").body == go_zip
    assert nora.get("/npm/froms3/-/froms3-3.0.0.tgz").body == tarball


def test_import_into_a_registry_with_auth_on(auth_nora, tmp_path):
    """The import acts as the operator (no credentials needed on the data location); what it
    publishes is then guarded like everything else: 401 without credentials."""
    nora = auth_nora()
    storage = NoraStorage(tmp_path / "nora-storage")
    storage.add_raw("private/report.txt", b"for users only")
    storage.add_maven("org/priv/lib/1.0/lib-1.0.jar", b"private jar")
    result = run_import(nora, storage.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary_line(result.stdout, "raw") == "raw: 1 imported, 0 already present, 0 failed", result.stdout
    assert nora.get("/raw/private/report.txt").status == 401
    assert nora.get("/raw/private/report.txt", user="alice:wonderland").body == b"for users only"
    assert nora.get("/maven2/org/priv/lib/1.0/lib-1.0.jar", user="alice:wonderland").body == b"private jar"
