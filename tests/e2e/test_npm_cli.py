"""npm registry end to end with the real npm CLI: publish (plain, scoped, --tag), install of a
hosted package depending on another, npm ci, view, dist-tag, deprecate, unpublish, search,
whoami, ping, login, and the errors npm shows its user."""

from __future__ import annotations

import json
import shutil
import subprocess

from npm_support import Npm, cli_token, login, make_package, new_project, npm_error, token_for


def test_publish_install_and_ci(auth_nora, tmp_path):
    server = auth_nora()
    token = token_for(server)
    npm = Npm(server, tmp_path / "npm", token)

    assert npm.run("whoami").stdout.strip() == "admin"
    assert "PONG" in npm_error(npm.run("ping", "--loglevel", "notice"))

    npm.publish(make_package(tmp_path, "lib-e2e", "1.0.0", description="a library"))
    npm.publish(make_package(tmp_path, "@acme/app", "1.0.0", dependencies={"lib-e2e": "^1.0.0"},
                             body="module.exports = 'app+' + require('lib-e2e');\n"))
    beta = npm.publish(make_package(tmp_path, "lib-e2e", "1.1.0-beta.1"), "--tag", "beta")
    assert "+ lib-e2e@1.1.0-beta.1" in beta.stdout

    view = npm.json("view", "lib-e2e")
    assert view["dist-tags"] == {"latest": "1.0.0", "beta": "1.1.0-beta.1"}
    assert view["versions"] == ["1.0.0", "1.1.0-beta.1"]
    assert view["description"] == "a library"
    assert npm.json("view", "lib-e2e", "readme").startswith("# lib-e2e")
    assert view["dist"]["tarball"] == f"{server.base}/npm/lib-e2e/-/lib-e2e-1.0.0.tgz"
    assert view["maintainers"] == [{"name": "admin", "email": ""}]
    assert view["_npmUser"] == {"name": "admin", "email": ""}
    scoped = npm.json("view", "@acme/app@1.0.0")
    assert scoped["dependencies"] == {"lib-e2e": "^1.0.0"}
    assert scoped["dist"]["tarball"] == f"{server.base}/npm/@acme/app/-/app-1.0.0.tgz"

    # a fresh project (fresh cache) installs the scoped app and its hosted dependency
    consumer = Npm(server, tmp_path / "consumer-npm", token)
    project = new_project(tmp_path)
    consumer.run("install", "@acme/app", cwd=project)
    assert json.loads((project / "node_modules/lib-e2e/package.json").read_text())["version"] == "1.0.0"
    out = subprocess.run(["node", "-e", "console.log(require('@acme/app'))"], cwd=project, capture_output=True, text=True)
    assert out.stdout.strip() == "app+lib-e2e@1.0.0", out
    lock = json.loads((project / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/lib-e2e"]
    assert locked["resolved"] == f"{server.base}/npm/lib-e2e/-/lib-e2e-1.0.0.tgz"
    assert locked["integrity"].startswith("sha512-")

    # npm ci from the lockfile, with another empty cache
    shutil.rmtree(project / "node_modules")
    Npm(server, tmp_path / "ci-npm", token).run("ci", cwd=project)
    assert (project / "node_modules/@acme/app/index.js").exists()
    assert (project / "node_modules/lib-e2e/index.js").exists()

    # the beta tag installs the prerelease
    Npm(server, tmp_path / "beta-npm", token).run("install", "lib-e2e@beta", cwd=new_project(tmp_path, "beta"))
    assert json.loads((tmp_path / "beta/node_modules/lib-e2e/package.json").read_text())["version"] == "1.1.0-beta.1"


def test_dist_tags_and_deprecate(nora, tmp_path):
    token = cli_token(nora, "publisher", "write")
    npm = Npm(nora, tmp_path / "npm", token)
    for version in ("1.0.0", "1.1.0"):
        npm.publish(make_package(tmp_path, "tagged", version))

    npm.run("dist-tag", "add", "tagged@1.0.0", "stable")
    listed = npm.run("dist-tag", "ls", "tagged").stdout
    assert "latest: 1.1.0" in listed and "stable: 1.0.0" in listed
    npm.run("dist-tag", "rm", "tagged", "stable")
    assert "stable" not in npm.run("dist-tag", "ls", "tagged").stdout
    bad = npm.run("dist-tag", "add", "tagged@9.9.9", "nope", check=False)
    assert bad.returncode != 0 and "9.9.9" in npm_error(bad)

    npm.run("deprecate", "tagged@1.0.0", "please use 1.1.0")
    assert npm.json("view", "tagged@1.0.0", "deprecated") == "please use 1.1.0"
    assert npm.json("view", "tagged@1.1.0", "deprecated") is None
    installed = Npm(nora, tmp_path / "c1", token).run("install", "tagged@1.0.0", cwd=new_project(tmp_path, "c1p"))
    assert "deprecated tagged@1.0.0: please use 1.1.0" in npm_error(installed)

    npm.run("deprecate", "tagged@1.0.0", "")
    assert npm.json("view", "tagged@1.0.0", "deprecated") is None
    again = Npm(nora, tmp_path / "c2", token).run("install", "tagged@1.0.0", cwd=new_project(tmp_path, "c2p"))
    assert "deprecated" not in npm_error(again)


def test_unpublish_and_republish(nora, tmp_path):
    token = cli_token(nora, "publisher", "write")
    npm = Npm(nora, tmp_path / "npm", token)
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        npm.publish(make_package(tmp_path, "gone", version))
    blobs_before = len(nora.blob_files())

    npm.run("unpublish", "gone@1.2.0")
    view = npm.json("view", "gone")
    assert view["versions"] == ["1.0.0", "1.1.0"]
    assert view["dist-tags"]["latest"] == "1.1.0"
    assert nora.get("/npm/gone/-/gone-1.2.0.tgz").status == 404

    # versions are immutable, also once unpublished: npm shows the registry's words
    for version in ("1.1.0", "1.2.0"):
        again = npm.publish(make_package(tmp_path / "again", "gone", version), check=False)
        assert again.returncode != 0
        assert "You cannot publish over the previously published versions: " + version in npm_error(again)

    # the tarball blob is released: garbage collection removes it
    gc = nora.nora("gc", "--grace", "0")
    assert gc.returncode == 0, gc.stderr
    assert len(nora.blob_files()) == blobs_before - 1

    npm.run("unpublish", "gone", "--force")
    missing = npm.run("view", "gone", check=False)
    assert missing.returncode != 0 and "E404" in npm_error(missing)
    assert nora.get("/npm/gone/-/gone-1.0.0.tgz").status == 404


def test_search(nora, tmp_path):
    npm = Npm(nora, tmp_path / "npm", cli_token(nora, "publisher", "write"))
    npm.publish(make_package(tmp_path, "pad", "1.0.0", description="pads strings"))
    npm.publish(make_package(tmp_path, "left-pad", "1.0.0", description="left pad", keywords=["string"]))
    npm.publish(make_package(tmp_path, "@acme/padding", "2.0.0", description="css padding", keywords=["css"]))
    npm.publish(make_package(tmp_path, "unrelated", "1.0.0", description="nothing to see"))

    results = npm.json("search", "pad")
    assert [r["name"] for r in results] == ["pad", "@acme/padding", "left-pad"]
    assert results[1]["version"] == "2.0.0"
    assert results[0]["description"] == "pads strings"
    assert npm.json("search", "keywords:css")[0]["name"] == "@acme/padding"
    text = npm.run("search", "left").stdout
    assert "left-pad" in text and "unrelated" not in text

    page = nora.get("/npm/-/v1/search?text=pad&size=2&from=1").json()
    assert page["total"] == 3
    assert [o["package"]["name"] for o in page["objects"]] == ["@acme/padding", "left-pad"]


def test_auth_errors(auth_nora, tmp_path):
    server = auth_nora()
    admin = Npm(server, tmp_path / "admin", token_for(server))
    admin.publish(make_package(tmp_path, "private-lib", "1.0.0"))

    # no token: install is refused with npm's authentication error
    anonymous = Npm(server, tmp_path / "anon")
    failed = anonymous.run("install", "private-lib", cwd=new_project(tmp_path, "anonp"), check=False)
    assert failed.returncode != 0 and "E401" in npm_error(failed)
    assert anonymous.run("whoami", check=False).returncode != 0

    # a wrong token is refused too
    wrong = Npm(server, tmp_path / "wrong", "nora_" + "0" * 64)
    assert "E401" in npm_error(wrong.run("view", "private-lib", check=False))

    # a read token installs but cannot publish
    reader = Npm(server, tmp_path / "reader", cli_token(server, "reader", "read"))
    reader.run("install", "private-lib", cwd=new_project(tmp_path, "readerp"))
    denied = reader.publish(make_package(tmp_path, "private-lib", "2.0.0"), check=False)
    assert denied.returncode != 0 and "E403" in npm_error(denied)
    assert "this needs write" in npm_error(denied)
    assert "2.0.0" not in json.dumps(admin.json("view", "private-lib", "versions"))

    # login: the wrong password gets 401, the right one a working token
    assert login(server, "alice", "nope").status == 401
    assert login(server, "alice", "nope").json() == {"error": "invalid user name or password"}
    alice = Npm(server, tmp_path / "alice", token_for(server, "alice", "wonderland"))
    assert alice.run("whoami").stdout.strip() == "alice"
