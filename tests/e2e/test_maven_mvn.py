"""The real mvn (3.8.7 with Debian's plugins) against /maven2/: deploy-file, `mvn deploy` of a
project, dependency:get, a consumer resolving a release and a twice-deployed SNAPSHOT,
release immutability, and auth with the Basic challenge mvn needs before it sends credentials."""

from __future__ import annotations

import hashlib
import re

from maven_support import Mvn, make_consumer, make_jar, make_library, pom_xml, sha1


def test_deploy_file_release_then_dependency_get_and_redeploy_conflict(nora, tmp_path):
    url = nora.url("/maven2/")
    mvn = Mvn(tmp_path / "mvn", url)
    jar = make_jar(tmp_path / "tool.jar", {"tool/Tool.txt": "tool 1.0.0\n"})
    pom = tmp_path / "tool.pom"
    pom.write_text(pom_xml("com.example.tools", "tool", "1.0.0"))
    mvn.deploy_file(jar, pom)

    base = "/maven2/com/example/tools/tool"
    got = nora.get(f"{base}/1.0.0/tool-1.0.0.jar")
    assert got.status == 200, got
    assert got.body == jar.read_bytes()
    assert got.header("content-type") == "application/java-archive"
    # mvn uploads md5 and sha1; sha256 and sha512 are computed by the server all the same
    for alg in ("md5", "sha1", "sha256", "sha512"):
        r = nora.get(f"{base}/1.0.0/tool-1.0.0.jar.{alg}")
        assert r.status == 200, (alg, r)
        assert r.text == hashlib.new(alg, jar.read_bytes()).hexdigest()
    meta = nora.get(f"{base}/maven-metadata.xml")
    assert meta.status == 200, meta
    assert "<release>1.0.0</release>" in meta.text and "<version>1.0.0</version>" in meta.text
    assert nora.get(f"{base}/maven-metadata.xml.sha1").text == sha1(meta.body)

    # dependency:get into an empty local repository downloads exactly what was deployed
    consumer = Mvn(tmp_path / "consumer", url)
    consumer.get("com.example.tools:tool:1.0.0")
    assert consumer.local_file("com.example.tools", "tool", "1.0.0", "tool-1.0.0.jar").read_bytes() == jar.read_bytes()
    assert consumer.local_file("com.example.tools", "tool", "1.0.0", "tool-1.0.0.pom").read_text() == pom.read_text()

    # a release is immutable: a second deploy of the same coordinates is refused with 409
    other = make_jar(tmp_path / "tool2.jar", {"tool/Tool.txt": "tampered\n"})
    again = mvn.deploy_file(other, pom, check=False)
    assert again.returncode != 0
    assert re.search(r"\b409\b", again.stdout), again.stdout[-3000:]
    assert "releases are immutable" in again.stdout, again.stdout[-3000:]  # the reason phrase mvn prints
    assert nora.get(f"{base}/1.0.0/tool-1.0.0.jar").body == jar.read_bytes()


def test_mvn_deploy_and_consumer_resolves_release_and_second_snapshot_build(nora, tmp_path):
    url = nora.url("/maven2/")
    publisher = Mvn(tmp_path / "publisher", url)
    release = make_library(tmp_path / "greeting", "com.example.lib", "greeting", "1.0", url, "hello")
    publisher.run("deploy", "-q", cwd=release)

    snap = make_library(tmp_path / "snap", "com.example.lib", "snap", "2.0-SNAPSHOT", url, "build one")
    publisher.run("deploy", "-q", cwd=snap)
    # the second build adds a method: a consumer only compiles against build 2
    lib = snap / "src" / "main" / "java" / "snap" / "Lib.java"
    lib.write_text('package snap; public class Lib { public static String message() { return "build two"; } '
                   'public static int second() { return 2; } }\n')
    publisher.run("deploy", "-q", cwd=snap)

    version_meta = nora.get("/maven2/com/example/lib/snap/2.0-SNAPSHOT/maven-metadata.xml")
    assert version_meta.status == 200, version_meta
    assert "<buildNumber>2</buildNumber>" in version_meta.text, version_meta.text
    stamp = re.search(r"<timestamp>(\d{8}\.\d{6})</timestamp>", version_meta.text).group(1)
    assert f"<value>2.0-{stamp}-2</value>" in version_meta.text
    build2 = nora.get(f"/maven2/com/example/lib/snap/2.0-SNAPSHOT/snap-2.0-{stamp}-2.jar")
    assert build2.status == 200
    assert nora.get("/maven2/com/example/lib/snap/2.0-SNAPSHOT/snap-2.0-SNAPSHOT.jar").body == build2.body
    artifact_meta = nora.get("/maven2/com/example/lib/snap/maven-metadata.xml").text
    assert "<latest>2.0-SNAPSHOT</latest>" in artifact_meta and "<release>" not in artifact_meta

    consumer_dir = make_consumer(tmp_path / "consumer", url,
                                 [("com.example.lib", "greeting", "1.0"), ("com.example.lib", "snap", "2.0-SNAPSHOT")],
                                 "public static String run() { return greeting.Lib.message() + snap.Lib.second(); }")
    consumer = Mvn(tmp_path / "consumer-mvn", url)
    consumer.run("package", "-q", cwd=consumer_dir)
    assert (consumer_dir / "target" / "consumer-1.0.jar").is_file()
    local = consumer.local_file("com.example.lib", "snap", "2.0-SNAPSHOT", f"snap-2.0-{stamp}-2.jar")
    assert local.read_bytes() == build2.body
    assert consumer.local_file("com.example.lib", "greeting", "1.0", "greeting-1.0.jar").is_file()


def test_auth_deploy_with_credentials_and_resolve_after_challenge(auth_nora, tmp_path):
    nora = auth_nora()
    url = nora.url("/maven2/")
    anonymous = nora.get("/maven2/com/example/")
    assert anonymous.status == 401
    assert anonymous.header("www-authenticate").startswith("Basic realm=")

    jar = make_jar(tmp_path / "secret.jar", {"s.txt": "secret\n"})
    pom = tmp_path / "secret.pom"
    pom.write_text(pom_xml("com.example.private", "secret", "3.1"))
    no_creds = Mvn(tmp_path / "nocreds", url)
    refused = no_creds.deploy_file(jar, pom, check=False)
    assert refused.returncode != 0 and re.search(r"\b401\b", refused.stdout), refused.stdout[-3000:]
    assert nora.get("/maven2/com/example/private/secret/3.1/secret-3.1.jar", user="admin:s3cret").status == 404

    publisher = Mvn(tmp_path / "publisher", url, user="admin", password="s3cret")
    publisher.deploy_file(jar, pom)
    assert nora.get("/maven2/com/example/private/secret/3.1/secret-3.1.jar", user="admin:s3cret").body == jar.read_bytes()

    # resolution: mvn sends the server credentials only after the 401 challenge
    reader = Mvn(tmp_path / "reader", url, user="alice", password="wonderland")
    reader.get("com.example.private:secret:3.1")
    assert reader.local_file("com.example.private", "secret", "3.1", "secret-3.1.jar").read_bytes() == jar.read_bytes()
    assert no_creds.get("com.example.private:secret:3.1", check=False).returncode != 0
