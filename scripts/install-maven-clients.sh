#!/usr/bin/env bash
# Installs what the Maven end-to-end tests (tests/e2e/test_maven_*.py) drive, idempotently:
#   - mvn itself (Debian's `maven`, 3.8.x), curl and htpasswd
#   - Debian's packaged Maven plugins, which land in /usr/share/maven-repo: the tests use
#     that folder as an offline `central` mirror (Maven Central is not reachable here).
#     deploy/install/dependency are the plugins the tests call by name; compiler, resources,
#     jar and surefire are what `mvn package` / `mvn deploy` of a small jar project needs.
# Usage: scripts/install-maven-clients.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

REPO=/usr/share/maven-repo/org/apache/maven/plugins
declare -A plugin_packages=(
  [maven-deploy-plugin]=libmaven-deploy-plugin-java
  [maven-install-plugin]=libmaven-install-plugin-java
  [maven-dependency-plugin]=libmaven-dependency-plugin-java
  [maven-compiler-plugin]=libmaven-compiler-plugin-java
  [maven-resources-plugin]=libmaven-resources-plugin-java
  [maven-jar-plugin]=libmaven-jar-plugin-java
  [maven-surefire-plugin]=libsurefire-java
)

missing=()
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
[ -d /usr/share/maven-debian-helper ] || [ -d /usr/share/maven-repo/org/debian/maven ] || missing+=(maven-debian-helper)
for plugin in "${!plugin_packages[@]}"; do
  [ -d "$REPO/$plugin" ] || missing+=("${plugin_packages[$plugin]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "mvn:    $(mvn -v 2>/dev/null | head -n 1)"
  echo "plugins: $(ls "$REPO" | tr '\n' ' ')"
fi
