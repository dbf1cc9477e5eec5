#!/usr/bin/env bash
# Every test of the project. Installs the real components the end-to-end tests run against
# into tests/tools/ (Node 24 and the Python MCP SDK from PyPI, Prism and the TypeScript MCP SDK
# from npm, all pinned; oidc-provider as a real OAuth server), then runs the whole workspace's tests with them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/tests/tools"

# Debian packages the tests run against: openssl (certificates for the mutual TLS tests),
# and PostgreSQL and MariaDB (real servers for the SQL tests, started by the tests themselves
# on loopback ports with throw-away data directories).
missing=()
command -v openssl >/dev/null || missing+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v mariadbd >/dev/null || missing+=(mariadb-server mariadb-client)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "tests need these Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
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
# The crates in generated/ must stay clean under clippy, as users will build them.
cargo clippy --locked -p petstore-mcp -p sales-mcp -p security-mcp -p slack-mcp --all-targets -- -D warnings
