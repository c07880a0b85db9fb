"""Helpers for the Maven end-to-end tests: the real mvn (3.8, Debian's plugins) in a private
HOME with its own settings.xml and local repository, and tiny projects to build.

Maven Central is not reachable here, so `central` is mirrored to Debian's offline plugin
repository (file:///usr/share/maven-repo, filled by scripts/install-maven-clients.sh); the
only network repository mvn ever sees is the nora under test, with the id `nora`.
"""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

from nora_e2e import clean_env

REPO_ID = "nora"
DEBIAN_REPO = "file:///usr/share/maven-repo"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class Mvn:
    """One mvn installation state: HOME, settings.xml and local repository under `root`."""

    def __init__(self, root: Path, url: str, user: str | None = None, password: str | None = None):
        self.root = root
        self.url = url
        self.home = root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.local_repo = root / "m2"
        self.settings = root / "settings.xml"
        # Wagon's defaults are kept (it sends `Expect: 100-continue` on every PUT): the server
        # answers 100 Continue, so uploads do not stall.
        no_expect = ""
        credentials = f"<username>{user}</username><password>{password}</password>" if user is not None else ""
        servers = f"<servers><server><id>{REPO_ID}</id>{credentials}{no_expect}</server></servers>"
        self.settings.write_text(f"""<settings>
  <localRepository>{self.local_repo}</localRepository>
  <interactiveMode>false</interactiveMode>
  <mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>{DEBIAN_REPO}</url></mirror></mirrors>
  {servers}
</settings>
""")

    def fresh_local_repo(self) -> None:
        """Forgets everything resolved so far (the next run downloads again)."""
        subprocess.run(["rm", "-rf", str(self.local_repo)], check=True)

    def run(self, *args: str, cwd: Path | None = None, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        env = clean_env(self.home, {"MAVEN_OPTS": "-Xshare:auto -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"})
        cmd = ["mvn", "-B", "-s", str(self.settings), "-Dstyle.color=never", "-Dmaven.repo.local=" + str(self.local_repo),
               "-Dmaven.wagon.http.retryHandler.count=0", *args]
        proc = subprocess.run(cmd, cwd=str(cwd or self.root), env=env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"mvn {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
        return proc

    def deploy_file(self, jar: Path, pom: Path, url: str | None = None, check: bool = True, extra: tuple[str, ...] = ()):
        return self.run("deploy:deploy-file", f"-Dfile={jar}", f"-DpomFile={pom}", f"-DrepositoryId={REPO_ID}",
                        f"-Durl={url or self.url}", *extra, check=check)

    def get(self, coords: str, check: bool = True):
        return self.run("dependency:get", f"-Dartifact={coords}", "-Dtransitive=false",
                        f"-DremoteRepositories={REPO_ID}::default::{self.url}", check=check)

    def local_file(self, group: str, artifact: str, version: str, name: str) -> Path:
        return self.local_repo / group.replace(".", "/") / artifact / version / name


def pom_xml(group: str, artifact: str, version: str, packaging: str = "jar", body: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{group}</groupId>
  <artifactId>{artifact}</artifactId>
  <version>{version}</version>
  <packaging>{packaging}</packaging>
  <properties>
    <maven.compiler.source>11</maven.compiler.source>
    <maven.compiler.target>11</maven.compiler.target>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
{body}
</project>
"""


def make_jar(path: Path, entries: dict[str, str]) -> Path:
    """A small jar (zip) with fixed timestamps, so equal entries give equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as jar:
        for name, text in {"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", **entries}.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            jar.writestr(info, text)
    return path


def make_library(folder: Path, group: str, artifact: str, version: str, url: str, message: str) -> Path:
    """A one-class jar project whose `mvn deploy` goes to `url`; `Lib.message()` returns `message`."""
    package = artifact.replace("-", "")
    src = folder / "src" / "main" / "java" / package
    src.mkdir(parents=True, exist_ok=True)
    (src / "Lib.java").write_text(f'package {package}; public class Lib {{ public static String message() {{ return "{message}"; }} }}\n')
    dist = (f"<distributionManagement><repository><id>{REPO_ID}</id><url>{url}</url></repository>"
            f"<snapshotRepository><id>{REPO_ID}</id><url>{url}</url></snapshotRepository></distributionManagement>")
    (folder / "pom.xml").write_text(pom_xml(group, artifact, version, body=dist))
    return folder


def make_consumer(folder: Path, url: str, deps: list[tuple[str, str, str]], main: str) -> Path:
    """A project depending on `deps` from the nora repository (releases and snapshots on)."""
    src = folder / "src" / "main" / "java" / "consumer"
    src.mkdir(parents=True, exist_ok=True)
    (src / "Main.java").write_text(f"package consumer; public class Main {{ {main} }}\n")
    dependencies = "".join(f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
                           for g, a, v in deps)
    body = (f"<repositories><repository><id>{REPO_ID}</id><url>{url}</url>"
            "<releases><enabled>true</enabled></releases>"
            "<snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots></repository></repositories>"
            f"<dependencies>{dependencies}</dependencies>")
    (folder / "pom.xml").write_text(pom_xml("com.example.consumer", "consumer", "1.0", body=body))
    return folder
