#!/usr/bin/env bash
# The tests, from a fresh clone, in one command: the project's .venv (made if missing) gets
# the test dependencies (scripts/venv.sh), then the whole suite runs, then the store tests again against a
# real `chroma run` server. The seed reports are read from ../shared/seeds beside the
# checkout (SCENARIO_SEEDS overrides); without them the tests that need them are skipped.
# Arguments go to pytest (e.g. `bash scripts/test.sh -x tests/assistant/test_question.py`; then the
# Chroma-server pass is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
# shellcheck source=scripts/venv.sh
. scripts/venv.sh dev
python -m pytest "$@"
if [ $# -eq 0 ]; then
  bash scripts/test_chroma_server.sh
fi
