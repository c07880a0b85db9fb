"""/maven2/ over plain HTTP (curl): layout validation, checksums, generated metadata,
SNAPSHOT resolution, immutability, DELETE, listings, ranges and validators."""

from __future__ import annotations

import hashlib

from nora_e2e import snapshot

G = "/maven2/org/acme/widget"


def digest(alg: str, data: bytes) -> str:
    return hashlib.new(alg, data).hexdigest()


def test_file_round_trip_with_computed_checksums_range_and_etag(nora):
    jar = bytes(range(256)) * 40
    r = nora.put(f"{G}/1.0/widget-1.0.jar", jar)
    assert r.status == 201, r
    got = nora.get(f"{G}/1.0/widget-1.0.jar")
    assert got.status == 200 and got.body == jar
    assert got.header("content-type") == "application/java-archive"
    assert got.header("etag") == f'"{digest("sha256", jar)}"'
    assert got.header("x-checksum-sha1") == digest("sha1", jar)
    for alg in ("md5", "sha1", "sha256", "sha512"):
        c = nora.get(f"{G}/1.0/widget-1.0.jar.{alg}")
        assert c.status == 200 and c.text == digest(alg, jar), (alg, c)
        assert c.header("content-type").startswith("text/plain")
    head = nora.head(f"{G}/1.0/widget-1.0.jar")
    assert head.status == 200 and int(head.header("content-length")) == len(jar) and head.body == b""
    part = nora.get(f"{G}/1.0/widget-1.0.jar", headers={"Range": "bytes=10-19"})
    assert part.status == 206 and part.body == jar[10:20]
    assert part.header("content-range") == f"bytes 10-19/{len(jar)}"
    assert nora.get(f"{G}/1.0/widget-1.0.jar", headers={"If-None-Match": got.header("etag")}).status == 304
    assert nora.put(f"{G}/1.0/widget-1.0.pom", "<project/>").status == 201
    assert nora.get(f"{G}/1.0/widget-1.0.pom").header("content-type") == "application/xml"
    assert nora.get(f"{G}/1.0/widget-1.0-sources.jar").status == 404


def test_uploaded_checksums_are_verified_and_mismatch_quarantines(nora):
    jar = b"jar bytes" * 100
    assert nora.put(f"{G}/2.0/widget-2.0.jar", jar).status == 201
    assert nora.put(f"{G}/2.0/widget-2.0.jar.sha1", "not-hex").status == 400
    # the first checksum is wrong: the file is quarantined (not served, not in the metadata)
    bad = nora.put(f"{G}/2.0/widget-2.0.jar.sha1", "0" * 40)
    assert bad.status == 400, bad
    assert "mismatch" in bad.text
    assert nora.get(f"{G}/2.0/widget-2.0.jar").status == 409
    assert "<version>2.0</version>" not in nora.get(f"{G}/maven-metadata.xml").text
    # ... until a matching one arrives, which verifies it
    assert nora.put(f"{G}/2.0/widget-2.0.jar.sha1", digest("sha1", jar)).status == 201
    assert nora.get(f"{G}/2.0/widget-2.0.jar").body == jar
    assert "<version>2.0</version>" in nora.get(f"{G}/maven-metadata.xml").text
    assert nora.put(f"{G}/2.0/widget-2.0.jar.md5", digest("md5", jar) + "  widget-2.0.jar\n").status == 201
    assert nora.put(f"{G}/2.0/widget-2.0.jar.sha256", digest("sha256", jar)).status == 201

    # an untrusted release that no checksum ever matched may be deployed again (how it gets fixed)
    broken = b"truncated"
    assert nora.put(f"{G}/3.0/widget-3.0.jar", broken).status == 201
    assert nora.put(f"{G}/3.0/widget-3.0.jar.md5", "f" * 32).status == 400
    assert nora.put(f"{G}/3.0/widget-3.0.jar", b"fixed").status == 200
    assert nora.get(f"{G}/3.0/widget-3.0.jar").body == b"fixed"
    assert nora.put(f"{G}/9.9/widget-9.9.jar.sha1", "0" * 40).status == 404


def test_verified_release_cannot_be_taken_down_or_replaced(nora):
    """Once a checksum matched, a conflicting checksum is refused with the file left as it was,
    and the release file can never be replaced (the sequence found with real deploys)."""
    jar = b"release jar" * 50
    assert nora.put(f"{G}/4.0/widget-4.0.jar", jar).status == 201
    assert nora.put(f"{G}/4.0/widget-4.0.jar.sha1", digest("sha1", jar)).status == 201
    for alg, length in (("sha1", 40), ("md5", 32), ("sha256", 64)):
        r = nora.put(f"{G}/4.0/widget-4.0.jar.{alg}", "0" * length)
        assert r.status == 409, r
        assert "unchanged" in r.text
        served = nora.get(f"{G}/4.0/widget-4.0.jar")
        assert served.status == 200 and served.body == jar, served
        assert nora.get(f"{G}/4.0/widget-4.0.jar.{alg}").text.strip() == digest(alg, jar)
    assert "<version>4.0</version>" in nora.get(f"{G}/maven-metadata.xml").text
    replaced = nora.put(f"{G}/4.0/widget-4.0.jar", b"other bytes")
    assert replaced.status == 409 and "immutable" in replaced.text, replaced
    assert nora.get(f"{G}/4.0/widget-4.0.jar").body == jar


def test_error_message_is_the_reason_phrase(nora):
    """mvn prints only the status line, so the message travels as its reason phrase too."""
    import http.client
    assert nora.put(f"{G}/5.0/widget-5.0.jar", b"x").status == 201
    conn = http.client.HTTPConnection("127.0.0.1", nora.port, timeout=30)
    try:
        conn.request("PUT", f"{G}/5.0/widget-5.0.jar", body=b"y")
        response = conn.getresponse()
        response.read()
        assert response.status == 409
        assert "is already deployed and releases are immutable" in response.reason, response.reason
        conn.request("GET", f"{G}/5.0/widget-5.0.jar")
        ok = conn.getresponse()
        ok.read()
        assert ok.status == 200 and ok.reason == "OK"
    finally:
        conn.close()


def test_invalid_coordinates_and_traversal_are_refused_and_store_nothing(nora):
    before = snapshot(nora.storage)
    for path in [
        f"{G}/1.0/other-1.0.jar",                  # file name not <artifactId>-<version>
        f"{G}/1.0/widget-1.1.jar",
        f"{G}/1.0/widget-1.0",                     # no extension
        "/maven2/widget/1.0/widget-1.0.jar",       # no group
        "/maven2/org/acme/widget-1.0.jar",
        "/maven2/org/ac%20me/widget/1.0/widget-1.0.jar",
        "/maven2/org/acme/../../etc/widget/1.0/widget-1.0.jar",
        "/maven2/org/%2e%2e/widget/1.0/widget-1.0.jar",
        "/maven2/org/acme%2fx/widget/1.0/widget-1.0.jar",
        f"{G}/1.0-SNAPSHOT/widget-1.0-2026.1-1.jar",
        f"{G}/1.0/",
    ]:
        r = nora.put(path, b"payload", path_as_is=True)
        assert r.status == 400, (path, r)
        assert r.header("content-type").startswith("text/plain")
    assert snapshot(nora.storage) == before
    assert nora.get("/maven2/org/", path_as_is=True).status == 404


def test_releases_immutable_snapshots_overwritable(nora, nora_factory):
    assert nora.put(f"{G}/3.0/widget-3.0.jar", b"one").status == 201
    again = nora.put(f"{G}/3.0/widget-3.0.jar", b"two")
    assert again.status == 409, again
    assert "immutable" in again.text
    assert nora.get(f"{G}/3.0/widget-3.0.jar").body == b"one"
    # checksums and metadata of a release are still accepted
    assert nora.put(f"{G}/3.0/widget-3.0.jar.sha1", digest("sha1", b"one")).status == 201
    assert nora.put(f"{G}/maven-metadata.xml", "<metadata/>").status == 201
    assert nora.put(f"{G}/maven-metadata.xml.sha1", "0" * 40).status == 201

    assert nora.put(f"{G}/3.1-SNAPSHOT/widget-3.1-SNAPSHOT.jar", b"first").status == 201
    assert nora.put(f"{G}/3.1-SNAPSHOT/widget-3.1-SNAPSHOT.jar", b"second").status == 200
    assert nora.get(f"{G}/3.1-SNAPSHOT/widget-3.1-SNAPSHOT.jar").body == b"second"

    mutable = nora_factory({"NORA_MAVEN_IMMUTABLE_RELEASES": "false"})
    assert mutable.put(f"{G}/3.0/widget-3.0.jar", b"one").status == 201
    assert mutable.put(f"{G}/3.0/widget-3.0.jar", b"two").status == 200
    assert mutable.get(f"{G}/3.0/widget-3.0.jar").body == b"two"


def test_generated_metadata_is_authoritative_and_ordered(nora):
    for v in ["1.10", "1.9", "1.2", "2.0-SNAPSHOT", "1.10.1-beta"]:
        assert nora.put(f"{G}/{v}/widget-{v}.pom", "<project/>").status == 201
    meta = nora.get(f"{G}/maven-metadata.xml")
    assert meta.status == 200 and meta.header("content-type") == "application/xml"
    versions = [line.strip()[9:-10] for line in meta.text.splitlines() if line.strip().startswith("<version>")]
    assert versions == ["1.2", "1.9", "1.10", "1.10.1-beta", "2.0-SNAPSHOT"]
    assert "<latest>2.0-SNAPSHOT</latest>" in meta.text and "<release>1.10.1-beta</release>" in meta.text
    assert "<lastUpdated>" in meta.text
    assert nora.get(f"{G}/maven-metadata.xml.sha512").text == digest("sha512", meta.body)
    assert nora.get(f"{G}/maven-metadata.xml.md5").text == digest("md5", meta.body)
    # a client's document is accepted but does not replace the generated one
    forged = "<metadata><groupId>org.acme</groupId><artifactId>widget</artifactId><versioning><versions><version>6.6.6</version></versions></versioning></metadata>"
    assert nora.put(f"{G}/maven-metadata.xml", forged).status == 201
    assert nora.get(f"{G}/maven-metadata.xml").body == meta.body
    assert nora.get(f"{G}/1.2/maven-metadata.xml").status == 404  # release versions have no version level


def test_snapshot_resolution_and_version_metadata(nora):
    s = f"{G}/4.0-SNAPSHOT"
    assert nora.put(f"{s}/widget-4.0-20260101.100000-1.jar", b"build 1").status == 201
    assert nora.put(f"{s}/widget-4.0-20260101.100000-1.pom", "<project/>").status == 201
    assert nora.put(f"{s}/widget-4.0-20260102.110000-2.jar", b"build 2").status == 201
    assert nora.put(f"{s}/widget-4.0-20260101.100000-1-sources.jar", b"src 1").status == 201
    assert nora.get(f"{s}/widget-4.0-SNAPSHOT.jar").body == b"build 2"
    assert nora.get(f"{s}/widget-4.0-SNAPSHOT.jar.sha1").text == digest("sha1", b"build 2")
    assert nora.get(f"{s}/widget-4.0-SNAPSHOT-sources.jar").body == b"src 1"
    assert nora.get(f"{s}/widget-4.0-20260101.100000-1.jar").body == b"build 1"
    meta = nora.get(f"{s}/maven-metadata.xml").text
    assert "<timestamp>20260102.110000</timestamp>" in meta and "<buildNumber>2</buildNumber>" in meta
    assert "<extension>jar</extension>\n        <value>4.0-20260102.110000-2</value>" in meta
    assert "<classifier>sources</classifier>" in meta and "<value>4.0-20260101.100000-1</value>" in meta
    # a non-unique upload is accepted and, being newest, is what the plain name serves
    assert nora.put(f"{s}/widget-4.0-SNAPSHOT.jar", b"non-unique").status == 201
    assert nora.get(f"{s}/widget-4.0-SNAPSHOT.jar").body == b"non-unique"


def test_delete_file_and_version_regenerates_metadata(auth_nora):
    nora = auth_nora()
    admin = "admin:s3cret"
    for v in ["1.0", "1.1"]:
        assert nora.put(f"{G}/{v}/widget-{v}.jar", v.encode(), user=admin).status == 201
        assert nora.put(f"{G}/{v}/widget-{v}.pom", "<project/>", user=admin).status == 201
    assert nora.delete(f"{G}/1.1/widget-1.1.jar").status == 401
    assert nora.delete(f"{G}/1.1/widget-1.1.jar", user=admin).status == 204
    assert nora.get(f"{G}/1.1/widget-1.1.jar", user=admin).status == 404
    assert "<release>1.1</release>" in nora.get(f"{G}/maven-metadata.xml", user=admin).text  # the pom remains
    assert nora.delete(f"{G}/1.1/", user=admin).status == 204
    meta = nora.get(f"{G}/maven-metadata.xml", user=admin).text
    assert "<version>1.1</version>" not in meta and "<release>1.0</release>" in meta
    assert nora.delete(f"{G}/1.1/", user=admin).status == 404
    assert nora.delete(f"{G}/maven-metadata.xml", user=admin).status == 405
    assert nora.delete(f"{G}/1.0", user=admin).status == 204
    assert nora.get(f"{G}/maven-metadata.xml", user=admin).status == 404
    assert nora.get("/maven2/org/", user=admin).status == 404  # empty folders are pruned


def test_folder_listing(nora):
    assert nora.put(f"{G}/1.0/widget-1.0.jar", b"x").status == 201
    root = nora.get("/maven2/")
    assert root.status == 200 and root.header("content-type").startswith("text/html")
    assert '<a href="org/"' in root.text
    version = nora.get(f"{G}/1.0/")
    for name in ["widget-1.0.jar", "widget-1.0.jar.sha1", "widget-1.0.jar.md5"]:
        assert f'href="{name}"' in version.text
    listing = nora.get(f"{G}/")
    assert 'href="1.0/"' in listing.text and 'href="maven-metadata.xml"' in listing.text
    moved = nora.get(f"{G}/1.0")
    assert moved.status == 301 and moved.header("location") == f"{G}/1.0/"
    assert nora.get("/maven2/nothing/here/").status == 404


def test_plugin_group_metadata(nora):
    pom = """<project><modelVersion>4.0.0</modelVersion><groupId>org.acme.plugins</groupId>
      <artifactId>shiny-maven-plugin</artifactId><version>1.0</version><packaging>maven-plugin</packaging>
      <name>Shiny Plugin</name></project>"""
    base = "/maven2/org/acme/plugins/shiny-maven-plugin/1.0"
    assert nora.put(f"{base}/shiny-maven-plugin-1.0.pom", pom).status == 201
    group = nora.get("/maven2/org/acme/plugins/maven-metadata.xml")
    assert group.status == 200, group
    assert "<prefix>shiny</prefix>" in group.text and "<artifactId>shiny-maven-plugin</artifactId>" in group.text
    assert "<name>Shiny Plugin</name>" in group.text
    # the plugin's own prefix, from the group metadata its deploy uploads, is adopted
    client = ("<metadata><plugins><plugin><name>Shiny Plugin</name><prefix>shine</prefix>"
              "<artifactId>shiny-maven-plugin</artifactId></plugin><plugin><name>x</name><prefix>x</prefix>"
              "<artifactId>unknown-plugin</artifactId></plugin></plugins></metadata>")
    assert nora.put("/maven2/org/acme/plugins/maven-metadata.xml", client).status == 201
    group = nora.get("/maven2/org/acme/plugins/maven-metadata.xml").text
    assert "<prefix>shine</prefix>" in group and "unknown-plugin" not in group
