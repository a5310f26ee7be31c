#!/usr/bin/env bash
# Creates target/moto-venv (or $ECSFORGE_MOTO_VENV) with moto's server, pinned,
# for the end-to-end test crates/ecsforge-cli/tests/moto_e2e.rs. Idempotent: a
# venv that already has the pinned moto is left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MOTO_VERSION=5.2.5
# The shim of tests/moto/ecsforge_moto.py for the Smithy RPC v2 CBOR protocol.
CBOR2_VERSION=5.6.5
venv="${ECSFORGE_MOTO_VENV:-target/moto-venv}"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import moto, cbor2, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION: $venv (already installed)"
  exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" boto3 "cbor2==$CBOR2_VERSION"
echo "moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)'): $venv"
