"""A throwaway S3-compatible server for tests: moto's server on a free loopback port, with
its IAM checks on, so every request must carry a valid Signature Version 4.

moto lets the first few requests through unauthenticated; they create a user, an access
key and an allow-all policy, and from then on it verifies signatures like S3. Run with the
test venv's python (moto[server] and boto3 come from scripts/install-s3-clients.sh):

    .venv-test/bin/python tests/e2e/s3_support.py start DIR   # prints export NORA_TEST_S3_…=… lines
    .venv-test/bin/python tests/e2e/s3_support.py stop DIR
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

UNAUTHENTICATED_SETUP_CALLS = 4  # create user, access key, policy, attach


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(folder: Path) -> dict[str, str]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = Path(sys.executable).parent / "moto_server"
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(UNAUTHENTICATED_SETUP_CALLS))
    with open(folder / "moto.log", "wb") as log:
        proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    (folder / "moto.pid").write_text(str(proc.pid))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2)
            break
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"moto did not start: {(folder / 'moto.log').read_text()[-2000:]}")
            time.sleep(0.3)
    import boto3

    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="nora")
    key = iam.create_access_key(UserName="nora")["AccessKey"]
    policy = iam.create_policy(PolicyName="nora-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    iam.attach_user_policy(UserName="nora", PolicyArn=policy["Policy"]["Arn"])
    return {"NORA_TEST_S3_URL": url, "NORA_TEST_S3_ACCESS_KEY": key["AccessKeyId"],
            "NORA_TEST_S3_SECRET_KEY": key["SecretAccessKey"], "NORA_TEST_S3_CHECKS_SIGNATURES": "1"}


def create_bucket(env: dict[str, str], name: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=env["NORA_TEST_S3_URL"], region_name="us-east-1",
                 aws_access_key_id=env["NORA_TEST_S3_ACCESS_KEY"],
                 aws_secret_access_key=env["NORA_TEST_S3_SECRET_KEY"]).create_bucket(Bucket=name)


def nora_env(env: dict[str, str], bucket: str) -> dict[str, str]:
    """The NORA_* settings of a server storing its blobs in `bucket` of that server."""
    return {"NORA_STORAGE_MODE": "s3", "NORA_STORAGE_S3_URL": env["NORA_TEST_S3_URL"], "NORA_STORAGE_BUCKET": bucket,
            "NORA_STORAGE_S3_ACCESS_KEY": env["NORA_TEST_S3_ACCESS_KEY"],
            "NORA_STORAGE_S3_SECRET_KEY": env["NORA_TEST_S3_SECRET_KEY"]}


def stop(folder: Path) -> None:
    pid_file = Path(folder) / "moto.pid"
    if pid_file.exists():
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
        pid_file.unlink()


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        for name, value in start(where).items():
            print(f"export {name}={value}")
    elif command == "stop":
        stop(where)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
