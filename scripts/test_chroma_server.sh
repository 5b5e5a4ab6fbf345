#!/usr/bin/env bash
# Run the store tests (ingest, retrieval, access control, the API) again against a real
# Chroma server: `chroma run` on 127.0.0.1, a free port, a temporary data folder; stopped
# afterwards whatever happens. Each test uses a collection of its own on that server.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANONYMIZED_TELEMETRY=False
dir=$(mktemp -d -t scenario-chroma-XXXX)
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chroma run --path "$dir/data" --host 127.0.0.1 --port "$port" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  if python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/api/v2/heartbeat', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$dir/server.log"; exit 1; fi
  sleep 0.5
done
echo "Chroma server on 127.0.0.1:$port"
SCENARIO_TEST_CHROMA_URL="http://127.0.0.1:$port" python -m pytest -m store "$@"
