"""The listings, the activity log and the UI pages over PostgreSQL (the SQL is meant to be
dialect-neutral: this runs it on the second dialect)."""

from __future__ import annotations

import time


def test_web_over_postgres(nora_factory, postgres):
    nora = nora_factory({"NORA_DATABASE_URL": postgres})
    assert nora.put("/raw/pg/a.txt", b"hello").status == 201
    assert nora.get("/raw/pg/a.txt").status == 200
    stats = {s["format"]: s for s in nora.get("/api/stats").json()["formats"]}
    assert stats["raw"]["packages"] == 1 and stats["raw"]["bytes"] == 5
    for query in ("/api/packages?q=PG", "/api/packages?format=raw&sort=updated", "/api/packages?format=npm&q=x",
                  "/api/packages?format=pypi&sort=updated", "/api/packages?format=go&sort=updated",
                  "/api/packages?format=maven&sort=updated", "/api/packages?format=docker&sort=updated",
                  "/api/packages?format=cargo&sort=updated"):
        assert nora.get(query).status == 200, query
    assert [i["name"] for i in nora.get("/api/packages?q=PG").json()["items"]] == ["pg/a.txt"]
    assert nora.get("/api/packages/raw/pg/a.txt").json()["name"] == "pg/a.txt"

    deadline, kinds = time.monotonic() + 30, set()
    while time.monotonic() < deadline and kinds != {"publish", "download"}:
        time.sleep(0.5)
        kinds = {e["kind"] for e in nora.get("/api/activity").json()["items"]}
    assert kinds == {"publish", "download"}
    for page in ("/ui/", "/ui/raw", "/ui/search?q=a", "/ui/activity", "/ui/raw/pg/a.txt"):
        assert nora.get(page).status == 200, page

    def names(query):
        return [i["name"] for i in nora.get(query).json()["items"]]

    # The catalog follows writes: a middle substring (the gram index), newest first, a delete.
    assert nora.put("/raw/pg/b.txt", b"b").status == 201
    assert names("/api/packages?q=G/A.T") == ["pg/a.txt"]
    assert names("/api/packages?format=raw&sort=updated") == ["pg/b.txt", "pg/a.txt"]
    assert nora.delete("/raw/pg/a.txt").status in (200, 204)
    assert names("/api/packages?q=a.tx") == [] and names("/api/packages?q=.txt") == ["pg/b.txt"]
