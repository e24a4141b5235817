#!/usr/bin/env bash
# The Azure CLI from Debian's package (azure-cli, 2.45 on Debian 12), for the test that drives it
# against Kiln. Installs it when missing and root; otherwise says how, and that test skips.
set -euo pipefail
if command -v az >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  echo "kiln tests: installing Debian package azure-cli (for test/e2e/azure-cli.test.ts)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq azure-cli >&2
else
  echo "kiln tests: the Azure CLI test will skip; install it with: sudo apt-get install -y azure-cli" >&2
fi
