"""Maven pull-through proxy end to end: two upstreams in order (a static folder served by a
tiny HTTP server, then a hosted nora), the real mvn resolving through a fresh nora proxy,
.sha1 verification, the short negative cache, and the upstreams stopped."""

from __future__ import annotations

import hashlib

from maven_support import Mvn, make_jar, pom_xml
from proxy_support import FakeUpstream, proxy_env


def static_repo(files: dict[str, bytes]) -> dict[str, object]:
    """Routes of a static Maven folder: each file and its .sha1."""
    routes: dict[str, object] = {}
    for path, data in files.items():
        routes[path] = (200, {"Content-Type": "application/octet-stream"}, data)
        routes[path + ".sha1"] = (200, {"Content-Type": "text/plain"}, hashlib.sha1(data).hexdigest().encode())
    return routes


def test_maven_two_upstreams_verification_and_negative_cache(nora_factory, tmp_path):
    # upstream 2: a hosted nora with com.example.px:hosted-lib:1.0
    hosted = nora_factory()
    deployer = Mvn(tmp_path / "deployer", hosted.url("/maven2/"))
    lib_jar = make_jar(tmp_path / "hosted-lib.jar", {"px/Hosted.txt": "hosted 1.0\n"})
    lib_pom = tmp_path / "hosted-lib.pom"
    lib_pom.write_text(pom_xml("com.example.px", "hosted-lib", "1.0"))
    deployer.deploy_file(lib_jar, lib_pom)

    # upstream 1: a static folder with com.example.px:static-lib:2.0 and a jar whose .sha1 lies
    static_jar = make_jar(tmp_path / "static-lib.jar", {"px/Static.txt": "static 2.0\n"}).read_bytes()
    static_pom = pom_xml("com.example.px", "static-lib", "2.0").encode()
    base = "/com/example/px/static-lib/2.0/static-lib-2.0"
    routes = static_repo({base + ".jar": static_jar, base + ".pom": static_pom})
    routes["/com/example/px/liar/1.0/liar-1.0.jar"] = (200, {}, b"tampered bytes")
    routes["/com/example/px/liar/1.0/liar-1.0.jar.sha1"] = (200, {}, hashlib.sha1(b"the real jar").hexdigest().encode())
    with FakeUpstream(routes) as static:
        proxy = nora_factory(proxy_env(NORA_MAVEN_PROXIES=f"{static.base},{hosted.url('/maven2')}"))
        url = proxy.url("/maven2/")
        mvn = Mvn(tmp_path / "consumer", url)
        mvn.get("com.example.px:hosted-lib:1.0")
        mvn.get("com.example.px:static-lib:2.0")
        assert mvn.local_file("com.example.px", "hosted-lib", "1.0", "hosted-lib-1.0.jar").read_bytes() == lib_jar.read_bytes()
        assert mvn.local_file("com.example.px", "static-lib", "2.0", "static-lib-2.0.jar").read_bytes() == static_jar
        # the first upstream was asked for the hosted artifact and said 404; a second build
        # within the negative-cache minute does not ask it again
        jar_path = "/com/example/px/hosted-lib/1.0/hosted-lib-1.0.jar"
        asked = static.hits.get(jar_path + ".sha1", 0) + static.hits.get(jar_path, 0)
        assert asked >= 1
        Mvn(tmp_path / "consumer2", url).get("com.example.px:hosted-lib:1.0")
        assert static.hits.get(jar_path + ".sha1", 0) + static.hits.get(jar_path, 0) == asked

        # a jar that does not match the upstream's .sha1: 502, nothing served, retried next time
        liar = proxy.get("/maven2/com/example/px/liar/1.0/liar-1.0.jar")
        assert liar.status == 502, liar
        assert proxy.get("/maven2/com/example/px/liar/1.0/liar-1.0.jar").status == 502
        assert static.hits["/com/example/px/liar/1.0/liar-1.0.jar"] == 2
        assert all(b"tampered bytes" != f.read_bytes() for f in proxy.blob_files())

    # upstreams gone: what was fetched still resolves into an empty local repository
    hosted.terminate()
    again = Mvn(tmp_path / "after", url)
    again.get("com.example.px:static-lib:2.0")
    again.get("com.example.px:hosted-lib:1.0")
    failed = again.get("com.example.px:never-fetched:1.0", check=False)
    assert failed.returncode != 0
