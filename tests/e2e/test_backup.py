"""`nora backup` while the server runs, `nora restore` into a new location (full, then an
incremental backup), and the restored server serves every artifact byte for byte."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

from go_support import escape, module_zip
from nora_e2e import clean_env, run_nora


def npm_body(name: str, version: str, data: bytes) -> dict:
    return {"_id": name, "name": name, "dist-tags": {"latest": version},
            "versions": {version: {"name": name, "version": version, "dist": {
                "shasum": hashlib.sha1(data).hexdigest(),
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                "tarball": f"http://x/{name}/-/{name}-{version}.tgz"}}},
            "_attachments": {f"{name}-{version}.tgz": {"content_type": "application/octet-stream",
                                                       "data": base64.b64encode(data).decode(), "length": len(data)}}}


def publish_round(nora, n: int) -> dict[str, bytes]:
    """Raw, Maven, Go and npm artifacts; returns path → bytes to read back."""
    import io
    import tarfile
    raw = bytes(range(256)) * (400 * n)
    jar = b"jar" * (1000 * n)
    manifest = json.dumps({"name": "bk", "version": f"1.0.{n}"}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    tgz = buffer.getvalue()
    zipped = module_zip("example.com/bk", f"v1.0.{n}", {"go.mod": "module example.com/bk\n", "bk.go": f"package bk // {n}\n"})
    assert nora.put(f"/raw/bk/{n}.bin", raw).status == 201
    assert nora.put(f"/maven2/org/bk/lib/{n}.0/lib-{n}.0.jar", jar).status == 201
    assert nora.put(f"/go/{escape('example.com/bk')}/@v/v1.0.{n}.zip", zipped).status == 201
    assert nora.put("/npm/bk", json.dumps(npm_body("bk", f"1.0.{n}", tgz)), headers={"Content-Type": "application/json"}).status in (200, 201)
    return {f"/raw/bk/{n}.bin": raw, f"/maven2/org/bk/lib/{n}.0/lib-{n}.0.jar": jar,
            f"/go/example.com/bk/@v/v1.0.{n}.zip": zipped, f"/npm/bk/-/bk-1.0.{n}.tgz": tgz}


def test_backup_and_incremental_restore_serve_the_same_bytes(nora, nora_factory, tmp_path):
    first = publish_round(nora, 1)
    full = tmp_path / "full.zip"
    done = nora.nora("backup", str(full), timeout=120)
    assert done.returncode == 0, done.stderr
    second = publish_round(nora, 2)
    assert nora.delete("/raw/bk/1.bin").status in (200, 204)
    incremental = tmp_path / "inc.zip"
    done = nora.nora("backup", str(incremental), "--since", str(full), timeout=120)
    assert done.returncode == 0, done.stderr

    with zipfile.ZipFile(full) as z:
        manifest = json.loads(z.read("nora-backup.json"))
        assert set(manifest["included"]) == set(manifest["referenced"])
        assert "metadata.sqlite" in z.namelist()
    with zipfile.ZipFile(incremental) as z:
        inc = json.loads(z.read("nora-backup.json"))
        # only what the first backup does not hold: round 2's four files (+ npm packument blobs, if any)
        assert 0 < len(inc["included"]) < len(inc["referenced"])
        assert not set(inc["included"]) & set(manifest["included"])

    # restore both into a new, empty location and serve from there
    target = tmp_path / "restored"
    env = clean_env(tmp_path / "home-r", {"NORA_STORAGE_PATH": str(target / "storage")})
    alone = run_nora(["restore", str(incremental)], env, tmp_path, timeout=120)
    assert alone.returncode != 0 and "full backup" in alone.stderr, alone.stderr
    restored = run_nora(["restore", str(full), str(incremental), "--force"], env, tmp_path, timeout=120)
    assert restored.returncode == 0, restored.stderr
    again = run_nora(["restore", str(full)], env, tmp_path, timeout=120)
    assert again.returncode != 0 and "--force" in again.stderr

    server = nora_factory({"NORA_STORAGE_PATH": str(target / "storage")})
    for path, data in {**first, **second}.items():
        if path == "/raw/bk/1.bin":
            assert server.get(path).status == 404  # deleted before the incremental backup
            continue
        got = server.get(path)
        assert got.status == 200 and got.body == data, (path, got.status)
    assert server.nora("verify").returncode == 0


def test_restore_refuses_a_damaged_backup(nora, tmp_path):
    publish_round(nora, 1)
    full = tmp_path / "full.zip"
    assert nora.nora("backup", str(full), timeout=120).returncode == 0
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(full) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("blobs/") and len(data) > 1000:
                data = b"X" + data[1:]
            dst.writestr(item, data)
    env = clean_env(tmp_path / "home-d", {"NORA_STORAGE_PATH": str(tmp_path / "d" / "storage")})
    result = run_nora(["restore", str(damaged)], env, tmp_path, timeout=120)
    assert result.returncode != 0 and "damaged" in result.stderr, result.stderr
