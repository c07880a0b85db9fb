#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (checked in; run again after changing).

Each seed is a small valid (or nearly valid) input of the shape the unit and end-to-end
tests use, so libFuzzer starts from inputs that reach deep into each parser.
"""
import base64
import hashlib
import io
import json
import os
import struct
import tarfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def tar_gz(entries):
    """entries: (name, bytes | None for a folder, link target or None, type)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data, link, kind in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.type = kind
            if link:
                info.linkname = link
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return raw.getvalue()


def zip_bytes(entries):
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, ZIP_DATE), data)
    return raw.getvalue()


def main():
    # NoraCore
    for i, (size, header) in enumerate([(1000, "bytes=0-99"), (1000, "bytes=-5"), (10, "bytes=5-"),
                                        (10, "bytes=1-2,3-4"), (0, "bytes=0-0"), (5, "bytes=9-")]):
        write("byte-range", f"seed{i}", struct.pack(">Q", size << 1) + header.encode())
    for i, p in enumerate(["a/b/c.txt", "a/%2e%2e/b", "a%2fb", "com/example/x/1.0/x-1.0.jar", "%E2%82%AC/x", "a//b"]):
        write("artifact-path", f"seed{i}", p)
    write("toml-config", "full", """[server]
host = "127.0.0.1"
port = 4000

[storage]
mode = "local"
path = "data"

[auth]
enabled = true
htpasswd_file = "users.htpasswd"

[npm]
proxy = "https://registry.npmjs.org"
metadata_ttl = 300

[[docker.upstreams]]
url = "https://registry-1.docker.io"
""")
    write("toml-config", "inline", 'pypi = { proxy = "https://pypi.org/simple/" }\n[docker]\nupstreams = [{ url = "https://ghcr.io", auth = "u:p" }]\n')
    # NoraStorage, NoraAuth
    for i, k in enumerate(["blobs/sha256/ab/abcdef", "uploads/123", "../x", "a//b", "a/./b", "/abs"]):
        write("storage-key", f"seed{i}", k)
    write("htpasswd", "bcrypt", "alice:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\n# comment\nbob:$2b$12$" + "a" * 53 + "\r\n")
    # NoraArchive
    write("tar-gz", "npm", tar_gz([("package/package.json", b'{"name":"demo","version":"1.0.0"}', None, tarfile.REGTYPE),
                                   ("package/index.js", b"module.exports = 1\n", None, tarfile.REGTYPE)]))
    write("tar-gz", "links", tar_gz([("demo-1.0/", None, None, tarfile.DIRTYPE),
                                     ("demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", None, tarfile.REGTYPE),
                                     ("demo-1.0/link", None, "../../etc/passwd", tarfile.SYMTYPE),
                                     ("demo-1.0/" + "x" * 150 + "/long.txt", b"pax path", None, tarfile.REGTYPE)]))
    wheel = zip_bytes([("demo/__init__.py", b""), ("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
                       ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n")])
    write("zip", "wheel", wheel)
    # NoraOCI
    digest = "sha256:" + "a" * 64
    write("oci-manifest", "image", json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + "b" * 64, "size": 10}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 5},
        "annotations": {"a": "b"}}))
    write("oci-manifest", "index", json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 7,
                       "platform": {"architecture": "amd64", "os": "linux"}}]}))
    write("oci-manifest", "docker", json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": digest, "size": 2}, "layers": []}))
    for i, p in enumerate(["/v2/library/alpine/manifests/latest", f"/v2/a/b/blobs/{digest}", "/v2/x/blobs/uploads/",
                           "/v2/x/blobs/uploads/0f3c", "/v2/x/tags/list", f"/v2/x/referrers/{digest}", "/v2/blobs/manifests/v1.0"]):
        write("oci-reference", f"seed{i}", p)
    # NoraNpm
    tarball = tar_gz([("package/package.json", b'{"name":"demo","version":"1.0.0"}', None, tarfile.REGTYPE)])
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    for name in ["demo", "@scope/demo"]:
        file = name.split("/")[-1] + "-1.0.0.tgz"
        write("npm-publish", name.replace("/", "_"), json.dumps({
            "_id": name, "name": name, "dist-tags": {"latest": "1.0.0", "beta": "1.0.0"},
            "versions": {"1.0.0": {"name": name, "version": "1.0.0", "readme": "# hi",
                                   "dist": {"shasum": hashlib.sha1(tarball).hexdigest(), "integrity": integrity,
                                            "tarball": f"http://localhost/{name}/-/{file}"}}},
            "_attachments": {file: {"content_type": "application/octet-stream", "data": base64.b64encode(tarball).decode(),
                                    "length": len(tarball)}}}))
    for i, n in enumerate(["lodash", "@scope/name", ".bad", "UPPER", "a" * 215, "@s/", "café"]):
        write("npm-name", f"seed{i}", n)
    # NoraPyPI
    boundary = "----nora-boundary"
    fields = [("name", "demo"), ("version", "1.0"), (":action", "file_upload"), ("filetype", "bdist_wheel"),
              ("sha256_digest", hashlib.sha256(wheel).hexdigest())]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields)
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="demo-1.0-py3-none-any.whl"\r\n'
             f"Content-Type: application/octet-stream\r\n\r\n").encode() + wheel + f"\r\n--{boundary}--\r\n".encode()
    for piece in [7, 63]:
        write("pypi-multipart", f"upload{piece}", f"multipart/form-data; boundary={boundary}".encode() + b"\0" + bytes([piece]) + body)
    for i, f in enumerate(["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz", "Demo_Pkg-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl",
                           "../x-1.0.tar.gz", "demo-1.0.zip"]):
        write("pypi-filename", f"seed{i}", f)
    # NoraCargo
    metadata = json.dumps({"name": "demo", "vers": "1.0.0", "deps": [{"name": "serde", "version_req": "^1", "features": ["derive"],
                           "optional": False, "default_features": True, "target": None, "kind": "normal", "registry": None,
                           "explicit_name_in_toml": None}], "features": {"default": ["std"], "std": [], "x": ["dep:serde"]},
                           "authors": [], "description": "d", "keywords": ["k"], "links": None, "rust_version": "1.70"}).encode()
    crate = tar_gz([("demo-1.0.0/Cargo.toml", b'[package]\nname = "demo"\nversion = "1.0.0"\n', None, tarfile.REGTYPE)])
    framed = struct.pack("<I", len(metadata)) + metadata + struct.pack("<I", len(crate)) + crate
    for size in [3, 31]:
        write("cargo-publish", f"publish{size}", bytes([size]) + framed)
    write("cargo-index-line", "line", json.dumps({"name": "demo", "vers": "1.0.0", "deps": [{"name": "serde", "req": "^1", "features": [],
          "optional": False, "default_features": True, "target": None, "kind": "normal"}], "cksum": "0" * 64,
          "features": {"default": ["std"]}, "features2": {"x": ["dep:serde"]}, "yanked": False, "links": None, "v": 2,
          "rust_version": "1.70", "pubtime": "2024-01-01T00:00:00Z"}))
    # NoraMaven
    for i, p in enumerate(["com/example/demo/1.0/demo-1.0.jar", "com/example/demo/1.0/demo-1.0.pom.sha1",
                           "com/example/demo/maven-metadata.xml", "com/example/demo/1.0-SNAPSHOT/demo-1.0-20240101.120000-3-sources.jar",
                           "com/example/demo/1.0/demo-1.0.jar.asc.md5", "com/example/demo/1.0/"]):
        write("maven-path", f"seed{i}", p)
    write("maven-xml", "pom", """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"><!-- c --><modelVersion>4.0.0</modelVersion>
<groupId>com.example</groupId><artifactId>demo</artifactId><version>1.0</version><packaging>maven-plugin</packaging>
<name>Demo &amp; co</name><build><plugins><plugin><artifactId>maven-plugin-plugin</artifactId>
<configuration><goalPrefix>demo</goalPrefix></configuration></plugin></plugins></build></project>
""")
    write("maven-xml", "metadata", """<?xml version="1.0"?><metadata><groupId>com.example</groupId><artifactId>demo</artifactId>
<versioning><versions><version>1.0</version></versions></versioning>
<plugins><plugin><name>Demo</name><prefix>demo</prefix><artifactId>demo-maven-plugin</artifactId></plugin></plugins>
<![CDATA[ x ]]></metadata>""")
    # NoraGo
    for i, (m, v, f) in enumerate([("example.com/m", "v1.0.0", "go.mod"), ("example.com/m/v2", "v2.1.0-pre.1", "a/b.go"),
                                   ("gopkg.in/yaml.v3", "v3.0.1", "LICENSE"), ("example.com/!upper", "v0.0.0-20240101000000-abcdefabcdef", "x")]):
        write("go-module-path", f"seed{i}", f"{m}\0{v}\0{f}")
    write("go-mod", "plain", "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/mod v0.14.0 // indirect\n")
    write("go-mod", "block", '// c\nmodule (\n\t"example.com/m/v2"\n)\n')
    write("go-zip", "module", zip_bytes([("example.com/m@v1.0.0/go.mod", b"module example.com/m\n"),
                                         ("example.com/m@v1.0.0/m.go", b"package m\n"),
                                         ("example.com/m@v1.0.0/LICENSE", b"MIT\n")]))


if __name__ == "__main__":
    main()
