"""Raw files under /raw/ driven with curl: PUT/GET/HEAD/DELETE, ranges, conditionals,
listings, size limit and path traversal."""

from __future__ import annotations

import hashlib
import json
import os
import re
from email.utils import parsedate_to_datetime

import pytest

from nora_e2e import snapshot


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------
# basic verbs
# --------------------------------------------------------------------------------------

def test_put_get_head_delete_round_trip(nora):
    body = b"hello, nora\n"
    r = nora.put("/raw/docs/readme.txt", body)
    assert r.status == 201, r
    stored = r.json()
    assert stored["path"] == "/raw/docs/readme.txt"
    assert stored["size"] == len(body)
    assert stored["digest"] == "sha256:" + sha256(body)
    assert r.header("etag") == f'"{sha256(body)}"'

    r = nora.get("/raw/docs/readme.txt")
    assert r.status == 200, r
    assert r.body == body
    assert r.header("content-type").startswith("text/plain")
    assert r.header("etag") == f'"{sha256(body)}"'
    assert int(r.header("content-length")) == len(body)
    assert parsedate_to_datetime(r.header("last-modified")) is not None

    r = nora.head("/raw/docs/readme.txt")
    assert r.status == 200, r
    assert int(r.header("content-length")) == len(body)
    assert r.header("content-type").startswith("text/plain")
    assert r.body == b""

    r = nora.delete("/raw/docs/readme.txt")
    assert r.status == 204, r
    assert nora.get("/raw/docs/readme.txt").status == 404
    assert nora.head("/raw/docs/readme.txt").status == 404
    r = nora.delete("/raw/docs/readme.txt")
    assert r.status == 404, r
    assert "error" in r.json()


def test_replace_returns_200_and_new_content(nora):
    assert nora.put("/raw/a/file.bin", b"first").status == 201
    r = nora.put("/raw/a/file.bin", b"second version")
    assert r.status == 200, r
    assert r.json()["size"] == len(b"second version")
    got = nora.get("/raw/a/file.bin")
    assert got.body == b"second version"
    assert got.header("etag") == f'"{sha256(b"second version")}"'


def test_binary_round_trip_random_bytes(nora, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)  # > 1 MB so curl would send Expect without our header
    src = tmp_path / "random.bin"
    src.write_bytes(data)
    r = nora.put("/raw/bin/random.bin", data_file=src)
    assert r.status == 201, r
    assert r.json()["digest"] == "sha256:" + sha256(data)
    got = nora.get("/raw/bin/random.bin")
    assert got.status == 200
    assert len(got.body) == len(data)
    assert sha256(got.body) == sha256(data)
    assert got.header("content-type") == "application/octet-stream"
    # every byte value survives (no text mangling)
    small = bytes(range(256)) * 4
    assert nora.put("/raw/bin/allbytes", small).status == 201
    assert nora.get("/raw/bin/allbytes").body == small


@pytest.mark.parametrize("name,expected", [
    ("page.html", "text/html"),
    ("data.json", "application/json"),
    ("archive.tar.gz", "application/gzip"),
    ("lib.jar", "application/java-archive"),
    ("noext", "application/octet-stream"),
])
def test_content_type_by_extension(nora, name, expected):
    assert nora.put(f"/raw/types/{name}", b"x").status == 201
    assert nora.get(f"/raw/types/{name}").header("content-type").startswith(expected)
    assert nora.head(f"/raw/types/{name}").header("content-type").startswith(expected)


def test_empty_file(nora):
    r = nora.put("/raw/empty.txt", b"")
    assert r.status == 201, r
    assert r.json()["size"] == 0
    got = nora.get("/raw/empty.txt")
    assert got.status == 200 and got.body == b""
    assert got.header("etag") == f'"{sha256(b"")}"'


def test_missing_file_is_json_404(nora):
    r = nora.get("/raw/nothing/here.txt")
    assert r.status == 404
    assert r.header("content-type").startswith("application/json")
    assert isinstance(r.json()["error"], str)


# --------------------------------------------------------------------------------------
# ranges and conditional GET
# --------------------------------------------------------------------------------------

DIGITS = bytes(range(48, 58)) * 10  # 100 bytes "0123456789..."


def test_range_requests(nora):
    assert nora.put("/raw/r/digits.bin", DIGITS).status == 201
    n = len(DIGITS)

    r = nora.get("/raw/r/digits.bin", headers={"Range": "bytes=10-19"})
    assert r.status == 206, r
    assert r.body == DIGITS[10:20]
    assert r.header("content-range") == f"bytes 10-19/{n}"
    assert int(r.header("content-length")) == 10

    r = nora.get("/raw/r/digits.bin", headers={"Range": "bytes=-7"})  # suffix
    assert r.status == 206, r
    assert r.body == DIGITS[-7:]
    assert r.header("content-range") == f"bytes {n - 7}-{n - 1}/{n}"

    r = nora.get("/raw/r/digits.bin", headers={"Range": "bytes=95-"})  # open
    assert r.status == 206, r
    assert r.body == DIGITS[95:]
    assert r.header("content-range") == f"bytes 95-{n - 1}/{n}"

    r = nora.get("/raw/r/digits.bin", headers={"Range": "bytes=90-500"})  # clamped end
    assert r.status == 206 and r.body == DIGITS[90:]

    r = nora.get("/raw/r/digits.bin", headers={"Range": f"bytes={n}-"})
    assert r.status == 416, r
    assert r.header("content-range") == f"bytes */{n}"

    r = nora.get("/raw/r/digits.bin", headers={"Range": "bytes=1000-2000"})
    assert r.status == 416 and r.header("content-range") == f"bytes */{n}"

    # curl's own --range flag too
    r = nora.get("/raw/r/digits.bin", extra=["--range", "0-4"])
    assert r.status == 206 and r.body == DIGITS[:5]
    assert r.header("accept-ranges") == "bytes"


def test_if_range_with_stale_tag_sends_everything(nora):
    assert nora.put("/raw/r/f.bin", DIGITS).status == 201
    etag = nora.head("/raw/r/f.bin").header("etag")
    r = nora.get("/raw/r/f.bin", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert r.status == 206 and r.body == DIGITS[:10]
    r = nora.get("/raw/r/f.bin", headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status == 200 and r.body == DIGITS


def test_conditional_get(nora):
    assert nora.put("/raw/c/file.txt", b"cached").status == 201
    first = nora.get("/raw/c/file.txt")
    etag, modified = first.header("etag"), first.header("last-modified")
    assert etag and modified

    r = nora.get("/raw/c/file.txt", headers={"If-None-Match": etag})
    assert r.status == 304, r
    assert r.body == b""
    assert r.header("etag") == etag

    r = nora.get("/raw/c/file.txt", headers={"If-None-Match": '"somethingelse"'})
    assert r.status == 200 and r.body == b"cached"

    r = nora.get("/raw/c/file.txt", headers={"If-Modified-Since": modified})
    assert r.status == 304, r
    r = nora.get("/raw/c/file.txt", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert r.status == 200 and r.body == b"cached"


def test_conditional_put(nora):
    path = "/raw/cond/config.json"
    # If-None-Match: * on a new path creates it
    r = nora.put(path, b'{"v":1}', headers={"If-None-Match": "*"})
    assert r.status == 201, r
    etag1 = r.header("etag")
    # ... and refuses to overwrite an existing one
    r = nora.put(path, b'{"v":2}', headers={"If-None-Match": "*"})
    assert r.status == 412, r
    assert "error" in r.json()
    assert nora.get(path).body == b'{"v":1}'

    # If-Match with a wrong tag: 412, nothing changes
    r = nora.put(path, b'{"v":3}', headers={"If-Match": '"0000"'})
    assert r.status == 412, r
    assert nora.get(path).body == b'{"v":1}'

    # If-Match with the current tag: replaced
    r = nora.put(path, b'{"v":4}', headers={"If-Match": etag1})
    assert r.status == 200, r
    assert nora.get(path).body == b'{"v":4}'
    # the old tag no longer matches
    r = nora.put(path, b'{"v":5}', headers={"If-Match": etag1})
    assert r.status == 412
    # If-Match on a missing file fails
    r = nora.put("/raw/cond/absent.json", b"{}", headers={"If-Match": "*"})
    assert r.status == 412
    assert nora.get("/raw/cond/absent.json").status == 404


# --------------------------------------------------------------------------------------
# listings
# --------------------------------------------------------------------------------------

def test_listing_json_and_paging(nora):
    names = ["e.txt", "a.txt", "d.txt", "b.txt", "c.txt"]
    for i, name in enumerate(names):
        assert nora.put(f"/raw/list/{name}", b"x" * (i + 1)).status == 201
    assert nora.put("/raw/list/sub/inner.txt", b"inner").status == 201

    r = nora.get("/raw/list/?format=json")
    assert r.status == 200, r
    assert r.header("content-type").startswith("application/json")
    page = r.json()
    assert page["path"] == "/raw/list/"
    entries = {e["name"]: e for e in page["entries"]}
    assert sorted(entries) == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "sub"]
    assert entries["sub"]["type"] == "directory"
    assert entries["sub"]["size"] is None and entries["sub"]["modified"] is None
    assert all(set(e) == {"name", "type", "size", "modified"} for e in page["entries"])
    assert entries["a.txt"]["type"] == "file"
    assert entries["a.txt"]["size"] == 2  # "a.txt" was the second one written
    assert isinstance(entries["a.txt"]["modified"], int)
    assert "next" in page and page["next"] is None  # always present, null on the last page

    # Accept header works too
    r = nora.get("/raw/list/", headers={"Accept": "application/json"})
    assert r.status == 200 and r.json()["entries"] == page["entries"]

    # paging with limit=2 walks every entry exactly once, in name order
    seen, after, pages = [], None, 0
    while True:
        q = "?format=json&limit=2" + (f"&after={after}" if after else "")
        p = nora.get("/raw/list/" + q).json()
        pages += 1
        assert len(p["entries"]) <= 2
        seen += [e["name"] for e in p["entries"]]
        after = p["next"]
        if not after:
            break
        assert after == p["entries"][-1]["name"]
        assert pages < 10
    assert seen == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "sub"]
    assert pages == 3

    # root listing shows the folder
    root = nora.get("/raw/?format=json").json()
    assert {"name": "list", "type": "directory"}.items() <= root["entries"][0].items()

    r = nora.get("/raw/list/?format=json&limit=0")
    assert r.status == 400


def test_listing_html(nora):
    for name in ["one.txt", "two.txt", "three.txt", "<script>.txt"]:
        assert nora.put(f"/raw/html/{name.replace('<', '%3C').replace('>', '%3E')}", b"x").status == 201
    r = nora.get("/raw/html/", headers={"Accept": "text/html"})
    assert r.status == 200, r
    assert r.header("content-type").startswith("text/html")
    text = r.text
    assert "<html" in text.lower()
    for name in ["one.txt", "two.txt", "three.txt"]:
        assert f'href="{name}"' in text
    assert "<script>" not in text  # names are escaped
    assert "&lt;script&gt;.txt" in text

    r = nora.get("/raw/html/?limit=2")
    assert r.status == 200 and r.header("content-type").startswith("text/html")
    assert len(re.findall(r"<tr><td><a href=\"(?!\.\./)", r.text)) == 2
    assert "after=" in r.text  # a link to the next page


def test_listing_of_missing_folder_is_404(nora):
    assert nora.get("/raw/nope/?format=json").status == 404


def test_folder_without_slash_redirects(nora):
    assert nora.put("/raw/dir/file.txt", b"x").status == 201
    r = nora.get("/raw/dir")
    assert r.status == 301, r
    assert r.header("location") == "/raw/dir/"


def test_delete_prunes_empty_folders(nora):
    assert nora.put("/raw/deep/a/b/c.txt", b"x").status == 201
    assert nora.get("/raw/deep/a/b/?format=json").status == 200
    assert nora.delete("/raw/deep/a/b/c.txt").status == 204
    assert nora.get("/raw/deep/a/b/?format=json").status == 404
    assert nora.get("/raw/deep/?format=json").status == 404
    assert all(e["name"] != "deep" for e in nora.get("/raw/?format=json").json()["entries"])


def test_file_folder_conflicts(nora):
    assert nora.put("/raw/conf/x", b"file").status == 201
    # a file cannot hold children
    r = nora.put("/raw/conf/x/child.txt", b"child")
    assert r.status == 409, r
    assert "error" in r.json()
    assert nora.get("/raw/conf/x/child.txt").status == 404
    # a folder cannot be overwritten by a file
    assert nora.put("/raw/conf/dir/inner.txt", b"inner").status == 201
    r = nora.put("/raw/conf/dir", b"file over folder")
    assert r.status == 409, r
    assert nora.get("/raw/conf/dir/inner.txt").body == b"inner"
    # PUT to a folder path is refused
    assert nora.put("/raw/conf/dir/", b"x").status == 400


# --------------------------------------------------------------------------------------
# size limit
# --------------------------------------------------------------------------------------

def test_oversize_upload_is_refused_and_nothing_kept(nora_factory, tmp_path):
    server = nora_factory({"NORA_RAW_MAX_FILE_SIZE": "1000"})
    assert server.put("/raw/ok.bin", b"a" * 1000).status == 201
    blobs_before = server.blob_files()
    assert len(blobs_before) == 1

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(8 * 1024 * 1024))  # far over: the server answers before reading it all
    # with Content-Length: refused up front
    r = server.put("/raw/big/declared.bin", data_file=big)
    assert r.status == 413, r
    assert "NORA_RAW_MAX_FILE_SIZE" in r.json()["error"]
    # chunked (no declared length): refused while streaming
    r = server.put("/raw/big/chunked.bin", data_file=big, chunked=True)
    assert r.status == 413, r

    for path in ("/raw/big/declared.bin", "/raw/big/chunked.bin"):
        assert server.get(path).status == 404
        assert server.head(path).status == 404
    assert server.get("/raw/big/?format=json").status == 404
    assert server.blob_files() == blobs_before
    tmp_dir = server.storage / "tmp"
    assert [p for p in tmp_dir.rglob("*") if p.is_file()] == []
    # one byte over the limit, too
    assert server.put("/raw/edge.bin", b"b" * 1001).status == 413
    assert server.get("/raw/edge.bin").status == 404
    assert server.blob_files() == blobs_before


# --------------------------------------------------------------------------------------
# traversal
# --------------------------------------------------------------------------------------

TRAVERSALS = [
    "/raw/../escape.txt",
    "/raw/../../escape.txt",
    "/raw/a/../../escape.txt",
    "/raw/a/./b.txt",
    "/raw/%2e%2e/escape.txt",
    "/raw/a/%2E%2E/%2e%2e/escape.txt",
    "/raw/%2e%2e%2fescape.txt",
    "/raw/a%2f..%2f..%2fescape.txt",
    "/raw/a%2fb.txt",
    "/raw/escape.txt%00.png",
    "/raw/a/%00",
    "/raw/..%5c..%5cescape.txt",
    "/raw/a%5cb.txt",
    "/raw/a\\..\\escape.txt",
    "/raw//etc/escape.txt",
    "/raw//tmp/escape.txt",
    "/raw/a//b.txt",
    "/raw/%zz.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_is_refused(nora, path):
    parent = nora.root.parent  # the pytest temp folder that holds this server's whole tree
    before = snapshot(parent, exclude=(nora.scratch,))
    assert any(p.endswith("metadata.sqlite") for p in before)
    for method in ("PUT", "GET", "DELETE"):
        r = nora.curl(method, path, data=b"owned" if method == "PUT" else None, path_as_is=True)
        assert r.status == 400, (method, path, r)
        assert "error" in r.json()
    assert snapshot(parent, exclude=(nora.scratch,)) == before
    assert nora.blob_files() == []
    assert not (nora.data_dir / "escape.txt").exists()
    assert not (nora.storage / "escape.txt").exists()
    assert nora.get("/raw/?format=json").json()["entries"] == []


def test_absolute_path_outside_data_dir_is_not_written(nora, tmp_path):
    sentinel = tmp_path / "sentinel-target.txt"
    assert not sentinel.exists()
    for path in (f"/raw/{sentinel}", f"/raw/..{sentinel}", f"/raw/%2f{str(sentinel).lstrip('/').replace('/', '%2f')}"):
        r = nora.curl("PUT", path, data=b"owned", path_as_is=True)
        assert r.status == 400, (path, r)
    assert not sentinel.exists()
    assert nora.blob_files() == []


# --------------------------------------------------------------------------------------
# names, limits, concurrency
# --------------------------------------------------------------------------------------

def test_encoded_and_unicode_names(nora):
    assert nora.put("/raw/names/a%20b.txt", b"space").status == 201
    assert nora.put("/raw/names/caf%C3%A9.txt", b"accent").status == 201
    assert nora.put("/raw/names/plus+sign.txt", b"plus").status == 201
    assert nora.get("/raw/names/a%20b.txt").body == b"space"
    assert nora.get("/raw/names/caf%C3%A9.txt").body == b"accent"
    assert nora.get("/raw/names/plus+sign.txt").body == b"plus"
    names = [e["name"] for e in nora.get("/raw/names/?format=json").json()["entries"]]
    assert sorted(names) == sorted(["a b.txt", "café.txt", "plus+sign.txt"])
    html = nora.get("/raw/names/").text
    assert 'href="a%20b.txt"' in html and 'href="caf%C3%A9.txt"' in html
    # the listing's links lead back to the files
    for href in re.findall(r'href="([^"./][^"]*)"', html):
        assert nora.get("/raw/names/" + href).status == 200, href


def test_path_length_limits(nora):
    assert nora.put("/raw/" + "s" * 255, b"ok").status == 201
    assert nora.put("/raw/" + "s" * 256, b"no").status == 400
    deep = "/".join(["d" * 50] * 25)  # > 1024 bytes in total
    r = nora.put(f"/raw/{deep}/f.txt", b"no")
    assert r.status == 400, r
    assert nora.blob_files() and len(nora.blob_files()) == 1


def test_conditional_delete(nora):
    etag = nora.put("/raw/cd/file.txt", b"v1").header("etag")
    assert nora.delete("/raw/cd/file.txt", headers={"If-Match": '"nope"'}).status == 412
    assert nora.get("/raw/cd/file.txt").status == 200
    assert nora.delete("/raw/cd/file.txt", headers={"If-Match": etag}).status == 204
    assert nora.get("/raw/cd/file.txt").status == 404


def test_concurrent_puts(nora, tmp_path):
    import concurrent.futures as cf
    bodies = [f"writer {i}\n".encode() * (i + 1) for i in range(10)]

    def put_same(i):
        return nora.put("/raw/race/same.txt", bodies[i]).status

    def put_other(i):
        return nora.put(f"/raw/race/dir/sub/file-{i}.txt", bodies[i]).status

    with cf.ThreadPoolExecutor(max_workers=10) as pool:
        same = list(pool.map(put_same, range(10)))
        other = list(pool.map(put_other, range(10)))
    assert sorted(same) == [200] * 9 + [201], same
    assert other == [201] * 10, other
    assert nora.get("/raw/race/same.txt").body in bodies
    listing = nora.get("/raw/race/dir/sub/?format=json").json()["entries"]
    assert sorted(e["name"] for e in listing) == sorted(f"file-{i}.txt" for i in range(10))
    for i in range(10):
        assert nora.get(f"/raw/race/dir/sub/file-{i}.txt").body == bodies[i]
