"""`nora pypi yank|unyank` against the same database as a running server."""

from __future__ import annotations

import hashlib

from pypi_support import post_upload, simple_json, wheel_bytes


def test_cli_yank_and_unyank(nora):
    wheel = wheel_bytes("clidemo", "1.0")
    uploaded = post_upload(nora.base, "clidemo-1.0-py3-none-any.whl", wheel,
                           {"name": "clidemo", "version": "1.0", "filetype": "bdist_wheel",
                            "sha256_digest": hashlib.sha256(wheel).hexdigest()})
    assert uploaded.status_code == 200, uploaded.text

    yank = nora.nora("pypi", "yank", "CliDemo", "1.0", "--reason", "use 1.1")
    assert yank.returncode == 0, yank.stderr
    assert "yanked clidemo 1.0: clidemo-1.0-py3-none-any.whl" in yank.stdout
    assert simple_json(nora, "clidemo")["files"][0]["yanked"] == "use 1.1"

    unyank = nora.nora("pypi", "unyank", "clidemo", "1.0")
    assert unyank.returncode == 0, unyank.stderr
    assert simple_json(nora, "clidemo")["files"][0]["yanked"] is False

    missing = nora.nora("pypi", "yank", "clidemo", "9.9")
    assert missing.returncode != 0 and "Version not found" in missing.stderr
    unknown = nora.nora("pypi", "unyank", "nothing-here", "1.0")
    assert unknown.returncode != 0 and "Project not found" in unknown.stderr
