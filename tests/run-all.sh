#!/usr/bin/env bash
# Every test of the project. Installs the real components the end-to-end tests run against
# into tests/tools/ (Node 24 and the Python MCP SDK from PyPI, Prism and the TypeScript MCP SDK
# from npm, all pinned; oidc-provider as a real OAuth server), then runs the whole workspace's tests with them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/tests/tools"

# The mutual TLS tests make certificates with the openssl command.
if ! command -v openssl >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq openssl >/dev/null
    else
        echo "tests need the openssl command (Debian: apt-get install openssl)" >&2
        exit 1
    fi
fi

if [ ! -x "$tools/venv/bin/python" ]; then
    python3 -m venv "$tools/venv"
fi
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r "$tools/requirements.txt"
if [ ! -d "$tools/node_modules" ] || [ "$tools/package-lock.json" -nt "$tools/node_modules" ]; then
    (cd "$tools" && PATH="$tools/venv/bin:$PATH" npm ci --no-audit --no-fund --loglevel=error)
    touch "$tools/node_modules"
fi

export MCPGEN_TEST_TOOLS="$tools"
cargo test --workspace --locked "$@"
