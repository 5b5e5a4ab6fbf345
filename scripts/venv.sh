# Sourced by setup.sh and test.sh: the project's .venv (made if missing, with $PYTHON or
# python3), activated, with the project installed editable with the extras given as the
# first argument. torch first, pinned to the local CPU build: anything unpinned pulls
# gigabytes of CUDA wheels.
PY=${PYTHON:-python3}
if [ ! -d .venv ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
pip install -q torch==2.13.0
pip install -q -e ".[$1]"
