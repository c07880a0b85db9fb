"""Writes a storage folder the way NORA lays it out (../shared/NORA-STORAGE.md, summarised in
docs/operations.md), from real artifacts, for `nora import nora` tests.

Every method takes the artifact's bytes and writes the keys NORA would: blobs and manifests
(with `.meta.json`) for images, `metadata.json` + tarballs + dist-tag files for npm, files
for PyPI, `.crate` + sparse index file + index entries for cargo, `.info`/`.mod`/`.zip` +
`list` for Go, files with `.sha1`/`.md5` for Maven, and plain files for raw.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from go_support import escape


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def crate_index_path(name: str) -> str:
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


class NoraStorage:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, key: str, data: bytes | str) -> Path:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def path(self, key: str) -> Path:
        return self.root / key

    # OCI ------------------------------------------------------------------------------

    def add_image(self, name: str, manifest: bytes, blobs: dict[str, bytes], tags: list[str],
                  media_type: str = "application/vnd.oci.image.manifest.v1+json") -> str:
        """A manifest stored under each tag and under its digest, and every blob it names."""
        for digest, data in blobs.items():
            self.write(f"docker/{name}/blobs/{digest}", data)
        digest = "sha256:" + sha256(manifest)
        meta = json.dumps({"media_type": media_type, "digest": digest, "size": len(manifest)})
        for ref in [*tags, digest]:
            self.write(f"docker/{name}/manifests/{ref}.json", manifest)
            self.write(f"docker/{name}/manifests/{ref}.meta.json", meta)
        return digest

    def add_index(self, name: str, children: list[tuple[bytes, dict[str, bytes], dict]], tags: list[str],
                  keep_children: bool = True) -> tuple[bytes, str]:
        """An OCI image index over `children` ((manifest, its blobs, platform)), stored under
        `tags` and its digest; the children by digest only (unless `keep_children` is False,
        as when NORA's proxy cached the index but not every platform)."""
        entries = []
        for manifest, blobs, platform in children:
            digest = "sha256:" + sha256(manifest)
            entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
                            "size": len(manifest), "platform": platform})
            if keep_children:
                for blob_digest, data in blobs.items():
                    self.write(f"docker/{name}/blobs/{blob_digest}", data)
                self.write(f"docker/{name}/manifests/{digest}.json", manifest)
        index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": entries}).encode()
        digest = "sha256:" + sha256(index)
        for ref in [*tags, digest]:
            self.write(f"docker/{name}/manifests/{ref}.json", index)
        return index, digest

    # npm ------------------------------------------------------------------------------

    def add_npm(self, name: str, versions: dict[str, tuple[dict, bytes]], dist_tags: dict[str, str],
                tag_files: dict[str, str] | None = None, deprecated: dict[str, str] | None = None) -> None:
        """`versions`: version → (package.json, tarball bytes); the packument NORA serves."""
        unscoped = name.split("/")[-1]
        document = {"_id": name, "name": name, "dist-tags": dist_tags, "versions": {}, "time": {}}
        for i, (version, (manifest, tarball)) in enumerate(versions.items()):
            file = f"{unscoped}-{version}.tgz"
            self.write(f"npm/{name}/tarballs/{file}", tarball)
            document["versions"][version] = {
                **manifest, "_id": f"{name}@{version}",
                "dist": {"tarball": f"http://nora.example:4000/npm/{name}/-/{file}",
                         "shasum": hashlib.sha1(tarball).hexdigest(),
                         "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()}}
            document["time"][version] = f"2025-01-0{i + 1}T00:00:00.000Z"
            if version in (deprecated or {}):
                document["versions"][version]["deprecated"] = deprecated[version]
        self.write(f"npm/{name}/metadata.json", json.dumps(document))
        for tag, version in (tag_files or {}).items():
            self.write(f"npm/{name}/dist-tags/{tag}", version)

    # PyPI -----------------------------------------------------------------------------

    def add_pypi(self, project: str, files: list[Path]) -> None:
        for file in files:
            self.write(f"pypi/{project}/{file.name}", file.read_bytes())
        self.write(f"pypi/{project}/dates.json", json.dumps({f.name: "2025-01-01T00:00:00Z" for f in files}))

    # Cargo ----------------------------------------------------------------------------

    def add_crate(self, name: str, version: str, crate: bytes, *, yanked: bool = False, deps: list | None = None,
                  features: dict | None = None) -> dict:
        line = {"name": name, "vers": version, "deps": deps or [], "cksum": sha256(crate),
                "features": features or {}, "yanked": yanked, "links": None}
        self.write(f"cargo/{name}/{version}/{name}-{version}.crate", crate)
        index = self.path(f"cargo/index/{crate_index_path(name)}")
        previous = index.read_text() if index.exists() else ""
        self.write(f"cargo/index/{crate_index_path(name)}", previous + json.dumps(line) + "\n")
        self.write(f"cargo/index-entries/{crate_index_path(name)}/{version}.json", json.dumps(line))
        self.write(f"cargo/{name}/metadata.json", json.dumps({"name": name}))
        return line

    # Go -------------------------------------------------------------------------------

    def add_go(self, module: str, version: str, mod: str, zipped: bytes) -> None:
        base = f"go/{escape(module)}/@v"
        self.write(f"{base}/{version}.info", json.dumps({"Version": version, "Time": "2025-01-01T00:00:00Z"}))
        self.write(f"{base}/{version}.mod", mod)
        self.write(f"{base}/{version}.zip", zipped)
        listing = self.path(f"{base}/list")
        self.write(f"{base}/list", (listing.read_text() if listing.exists() else "") + version + "\n")

    # Maven and raw --------------------------------------------------------------------

    def add_maven(self, path: str, data: bytes, *, sha1: str | None = None) -> None:
        self.write(f"maven/{path}", data)
        self.write(f"maven/{path}.sha1", sha1 or hashlib.sha1(data).hexdigest())
        self.write(f"maven/{path}.md5", hashlib.md5(data).hexdigest())

    def add_raw(self, path: str, data: bytes) -> None:
        self.write(f"raw/{path}", data)
