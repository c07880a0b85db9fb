"""OCI registry with the real skopeo: a two-layer image built with umoci is pushed (OCI and
Docker schema 2), pulled back (OCI layout and docker-archive) and compared byte for byte;
list-tags, inspect, delete, a copy between repositories (cross-repository mount) and
repository names of any depth."""

from __future__ import annotations

import json
import tarfile

from oci_support import (  # noqa: F401  (fixtures)
    ACCEPT_MANIFESTS, DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_MANIFEST,
    OciLayout, assert_oci_error, describe, file_sha256, gunzip, oci_image, oci_registry, sha256, skopeo,
)


def docker(reg, name: str) -> str:
    return f"docker://{reg.host}/{name}"


def get_manifest(http, name: str, ref: str, accept: str = ACCEPT_MANIFESTS):
    return http.get(f"/v2/{name}/manifests/{ref}", headers={"Accept": accept})


def assert_manifest_served(http, name: str, ref: str, body: bytes, media_type: str) -> None:
    digest = sha256(body)
    r = get_manifest(http, name, ref)
    assert r.status_code == 200, describe(r)
    assert r.content == body, f"manifest bytes differ{describe(r)}"
    assert r.headers.get("Content-Type", "").split(";")[0].strip() == media_type, describe(r)
    assert r.headers.get("Docker-Content-Digest") == digest, describe(r)
    assert int(r.headers.get("Content-Length", "-1")) == len(body), describe(r)
    h = http.head(f"/v2/{name}/manifests/{ref}", headers={"Accept": ACCEPT_MANIFESTS})
    assert h.status_code == 200, describe(h)
    assert h.headers.get("Docker-Content-Digest") == digest, describe(h)
    assert int(h.headers.get("Content-Length", "-1")) == len(body), describe(h)
    assert h.headers.get("Content-Type", "").split(";")[0].strip() == media_type, describe(h)


def assert_blobs_served(http, name: str, image) -> None:
    for digest, data in [(image.config_digest, image.layout.blob(image.config_digest)),
                         *zip(image.layer_digests, image.layer_bytes())]:
        r = http.get(f"/v2/{name}/blobs/{digest}")
        assert r.status_code == 200, describe(r)
        assert r.content == data, f"blob {digest} differs{describe(r)}"
        h = http.head(f"/v2/{name}/blobs/{digest}")
        assert h.status_code == 200 and int(h.headers["Content-Length"]) == len(data), describe(h)
        assert h.headers.get("Docker-Content-Digest") == digest, describe(h)


def assert_layout_matches(back: OciLayout, tag: str, image, same_manifest: bool = True) -> None:
    """The pulled-back OCI layout holds byte-identical layer blobs (and manifest, config)."""
    back.check_blobs()
    manifest = back.manifest(tag)
    assert [l["digest"] for l in manifest["layers"]] == image.layer_digests
    for digest, original in zip(image.layer_digests, image.layer_bytes()):
        path = back.blob_path(digest)
        assert path.read_bytes() == original, f"layer {digest} differs after the round trip"
        assert file_sha256(path) == digest
    config = back.blob(manifest["config"]["digest"])
    assert json.loads(config) == json.loads(image.layout.blob(image.config_digest))
    if same_manifest:
        assert config == image.layout.blob(image.config_digest)
        assert back.manifest_bytes(tag) == image.manifest_bytes
        assert back.manifest_descriptor(tag)["digest"] == image.manifest_digest


def test_push_oci_and_v2s2_pull_back_byte_for_byte(oci_registry, oci_image, skopeo, tmp_path):
    reg, http = oci_registry, oci_registry.http()
    r = http.get("/v2/")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Docker-Distribution-API-Version") == "registry/2.0", describe(r)

    # OCI push: the manifest is stored as pushed
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"))
    assert_manifest_served(http, "team/app", "v1", oci_image.manifest_bytes, OCI_MANIFEST)
    assert_manifest_served(http, "team/app", oci_image.manifest_digest, oci_image.manifest_bytes, OCI_MANIFEST)
    assert_blobs_served(http, "team/app", oci_image)

    # Docker schema 2 push: same blobs, Docker media types
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v2"), "--format", "v2s2")
    r = get_manifest(http, "team/app", "v2")
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].split(";")[0] == DOCKER_MANIFEST, describe(r)
    v2 = r.json()
    assert v2["mediaType"] == DOCKER_MANIFEST and v2["schemaVersion"] == 2
    assert v2["config"]["mediaType"] == DOCKER_CONFIG
    assert v2["config"]["digest"] == oci_image.config_digest
    assert [l["digest"] for l in v2["layers"]] == oci_image.layer_digests
    assert {l["mediaType"] for l in v2["layers"]} == {DOCKER_LAYER_GZIP}
    assert r.headers.get("Docker-Content-Digest") == sha256(r.content) != oci_image.manifest_digest

    # pull back the OCI push into an OCI layout: identical manifest, config and layers
    back = tmp_path / "back"
    skopeo.copy(docker(reg, "team/app:v1"), f"oci:{back}:v1")
    assert_layout_matches(OciLayout(back), "v1", oci_image)

    # the Docker push, pulled into an OCI layout: same compressed layer bytes
    back2 = tmp_path / "back2"
    skopeo.copy(docker(reg, "team/app:v2"), f"oci:{back2}:v2")
    assert_layout_matches(OciLayout(back2), "v2", oci_image, same_manifest=False)

    # and into a docker-archive: the uncompressed layers equal the originals, gunzipped
    archive = tmp_path / "back.tar"
    skopeo.copy(docker(reg, "team/app:v2"), f"docker-archive:{archive}:team/app:v2")
    with tarfile.open(archive) as tar:
        entries = json.load(tar.extractfile("manifest.json"))
        assert len(entries) == 1
        entry = entries[0]
        assert tar.extractfile(entry["Config"]).read() == oci_image.layout.blob(oci_image.config_digest)
        assert len(entry["Layers"]) == 2
        for name, original in zip(entry["Layers"], oci_image.layer_bytes()):
            assert tar.extractfile(name).read() == gunzip(original), f"layer {name} differs"
    config = json.loads(oci_image.layout.blob(oci_image.config_digest))
    assert config["rootfs"]["diff_ids"] == [sha256(gunzip(b)) for b in oci_image.layer_bytes()]


def test_list_tags_inspect_delete(oci_registry, oci_image, skopeo):
    reg, http = oci_registry, oci_registry.http()
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"))
    skopeo.copy(oci_image.ref, docker(reg, "team/app:latest"))
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v2"), "--format", "v2s2")

    tags = json.loads(skopeo.list_tags(docker(reg, "team/app")).stdout)
    assert sorted(tags["Tags"]) == ["latest", "v1", "v2"]

    info = json.loads(skopeo.inspect(docker(reg, "team/app:v1")).stdout)
    assert info["Digest"] == oci_image.manifest_digest
    assert info["Layers"] == oci_image.layer_digests
    assert sorted(info["RepoTags"]) == ["latest", "v1", "v2"]
    raw = skopeo.inspect(docker(reg, "team/app:v1"), "--raw").stdout
    assert raw == oci_image.manifest_bytes
    config = json.loads(skopeo.inspect(docker(reg, "team/app:v1"), "--config", "--raw").stdout)
    assert config == json.loads(oci_image.layout.blob(oci_image.config_digest))

    v2_digest = get_manifest(http, "team/app", "v2").headers["Docker-Content-Digest"]
    info2 = json.loads(skopeo.inspect(docker(reg, "team/app:v2")).stdout)
    assert info2["Digest"] == v2_digest
    assert info2["Layers"] == oci_image.layer_digests

    # skopeo delete resolves the tag and deletes the manifest by digest
    skopeo.delete(docker(reg, "team/app:v2"))
    assert_oci_error(get_manifest(http, "team/app", v2_digest), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(get_manifest(http, "team/app", "v2"), 404, "MANIFEST_UNKNOWN")
    assert http.head(f"/v2/team/app/manifests/{v2_digest}").status_code == 404
    assert sorted(json.loads(skopeo.list_tags(docker(reg, "team/app")).stdout)["Tags"]) == ["latest", "v1"]
    assert get_manifest(http, "team/app", "v1").status_code == 200
    assert skopeo.inspect(docker(reg, "team/app:v2"), check=False).returncode != 0

    # deleting v1's manifest drops every tag pointing to it (latest too)
    skopeo.delete(docker(reg, "team/app:v1"))
    assert_oci_error(get_manifest(http, "team/app", "latest"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(get_manifest(http, "team/app", oci_image.manifest_digest), 404, "MANIFEST_UNKNOWN")
    r = http.get("/v2/team/app/tags/list")
    if r.status_code == 200:
        assert not r.json().get("tags"), describe(r)
    else:
        assert_oci_error(r, 404, "NAME_UNKNOWN")


def test_copy_between_repositories_mounts_blobs(oci_registry, oci_image, skopeo, tmp_path):
    reg, http = oci_registry, oci_registry.http()
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"))
    out = skopeo.copy(docker(reg, "team/app:v1"), docker(reg, "mirror/app:v1"), debug=True)
    log = out.stderr_text + out.stdout_text
    # skopeo asks for a mount of each layer from the source repository; the registry accepted them
    for digest in oci_image.layer_digests:
        assert f"mount=sha256%3A{digest.split(':')[1]}" in log, f"no mount attempted for {digest}:\n{log[-4000:]}"
    assert log.count("... mount OK") >= len(oci_image.layer_digests), f"mounts were refused:\n{log[-4000:]}"

    # the copy is complete and readable on its own
    assert_manifest_served(http, "mirror/app", "v1", oci_image.manifest_bytes, OCI_MANIFEST)
    assert_blobs_served(http, "mirror/app", oci_image)
    back = tmp_path / "mirror-back"
    skopeo.copy(docker(reg, "mirror/app:v1"), f"oci:{back}:v1")
    assert_layout_matches(OciLayout(back), "v1", oci_image)
    # the source is untouched
    assert_manifest_served(http, "team/app", "v1", oci_image.manifest_bytes, OCI_MANIFEST)


def test_repository_names_of_any_depth(oci_registry, oci_image, skopeo, tmp_path):
    reg, http = oci_registry, oci_registry.http()
    names = ["a/b/c/d/app", "my-org/sub.group/app_name__x", "solo"]
    for name in names:
        skopeo.copy(oci_image.ref, docker(reg, f"{name}:1.0"))
        assert json.loads(skopeo.list_tags(docker(reg, name)).stdout)["Tags"] == ["1.0"]
        info = json.loads(skopeo.inspect(docker(reg, f"{name}:1.0")).stdout)
        assert info["Digest"] == oci_image.manifest_digest
        assert_manifest_served(http, name, "1.0", oci_image.manifest_bytes, OCI_MANIFEST)
    back = tmp_path / "deep-back"
    skopeo.copy(docker(reg, "a/b/c/d/app:1.0"), f"oci:{back}:1.0")
    assert_layout_matches(OciLayout(back), "1.0", oci_image)

    r = http.get("/v2/_catalog")
    assert r.status_code == 200, describe(r)
    repos = r.json()["repositories"]
    assert set(names) <= set(repos), describe(r)
    assert repos == sorted(repos)
    # "a/b/c/d" is a prefix of a repository, not a repository
    assert "a/b/c/d" not in repos
    assert_oci_error(http.get("/v2/a/b/c/d/tags/list"), 404, "NAME_UNKNOWN")
