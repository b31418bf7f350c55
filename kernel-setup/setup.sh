#!/usr/bin/env bash
# numlab setup: find (or install) Jupyter, build numlab, install the "TypeScript (numlab)" kernel
# for this user, and prove it works by executing a one-cell notebook. Safe to run again.
#
#   bash kernel-setup/setup.sh          # = npm run setup
#   bash kernel-setup/setup.sh --open   # = npm start: then open notebooks/ in JupyterLab (or Notebook)
#
# In a project that depends on numlab (bash node_modules/numlab/kernel-setup/setup.sh --open) the
# shipped dist/ is used as is, and --open copies the notebooks to ./numlab-notebooks (keeping any
# already there) and opens that copy, so nothing is written inside node_modules.
#
# Environment:
#   NUMLAB_PYTHON=/path/to/python   use this Python's Jupyter, and no other (default: the first of
#                                   `jupyter`'s Python, python3 on PATH, /usr/bin/python3 that has
#                                   Jupyter, and with --open a front-end: JupyterLab or Notebook)
#   NUMLAB_NO_INSTALL=1             never install Jupyter; just say what is missing
#   NUMLAB_OPEN_DRY_RUN=1           with --open, print the Jupyter command instead of running it
#   JUPYTER_DATA_DIR                where the user's kernelspec goes (Jupyter's own variable)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC_SRC="$REPO/kernel-setup/kernels/numlab"
case "$REPO/" in */node_modules/*) INSTALLED=1 ;; *) INSTALLED=0 ;; esac
CALLER_DIR="$PWD"
OPEN=0
for arg in "$@"; do
  case "$arg" in
    --open) OPEN=1 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (use --open or --help)" >&2; exit 2 ;;
  esac
done

if [ -t 1 ]; then BOLD=$'\033[1m' RED=$'\033[1;31m' RESET=$'\033[0m'; else BOLD="" RED="" RESET=""; fi
say() { printf '%s[numlab setup]%s %s\n' "$BOLD" "$RESET" "$*"; }
fail() { printf '%s[numlab setup] error:%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }

# --- 0. Node.js ---------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || fail "Node.js 20 or newer is required (https://nodejs.org, or: apt-get install nodejs npm)."
NODE_BIN="$(command -v node)"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 20 ] || fail "Node.js 20 or newer is required; found $(node --version) at $NODE_BIN."

# --- 1. Jupyter ---------------------------------------------------------------------------------
has_jupyter() { "$1" -c 'import jupyter_client, nbclient, nbformat' >/dev/null 2>&1; }
# The front-end --open starts: JupyterLab, else the Notebook app.
has_frontend() { "$1" -c 'import jupyterlab' >/dev/null 2>&1 || "$1" -c 'import notebook' >/dev/null 2>&1; }

# A Python with Jupyter (and, given "frontend", a front-end too).
find_python() {
  local want="${1:-}"
  local candidates=()
  if [ -n "${NUMLAB_PYTHON:-}" ]; then
    candidates=("$NUMLAB_PYTHON")
  elif command -v jupyter >/dev/null 2>&1; then
    # The Python that runs `jupyter` (its shebang line).
    local shebang
    shebang="$(head -n 1 "$(command -v jupyter)" 2>/dev/null | sed -n 's/^#! *//p' | awk '{print $1}')"
    [ -n "$shebang" ] && [ -x "$shebang" ] && candidates+=("$shebang")
  fi
  if [ -z "${NUMLAB_PYTHON:-}" ]; then
    command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
    candidates+=(/usr/bin/python3 "${XDG_DATA_HOME:-$HOME/.local/share}/numlab/jupyter-venv/bin/python")
  fi
  local py
  for py in "${candidates[@]}"; do
    if [ -x "$py" ] && has_jupyter "$py" && { [ "$want" != frontend ] || has_frontend "$py"; }; then echo "$py"; return 0; fi
  done
  return 1
}

pypi_reachable() {
  command -v curl >/dev/null 2>&1 && curl -fsS --max-time 8 -o /dev/null https://pypi.org/simple/jupyterlab/ 2>/dev/null
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

# Install Jupyter with a front-end: pip for the given Python (else python3) where PyPI answers, else apt-get.
install_jupyter() {
  [ "${NUMLAB_NO_INSTALL:-0}" = 1 ] && return 1
  local base_py="${1:-}"
  [ -n "$base_py" ] || base_py="$(command -v python3 || true)"
  [ -x /usr/bin/python3 ] && base_py="${base_py:-/usr/bin/python3}"
  if [ -z "$base_py" ]; then say "no python3 found."
  elif ! pypi_reachable; then say "PyPI (pypi.org) is not reachable; trying apt-get."
  fi
  if [ -n "$base_py" ] && pypi_reachable; then
    say "installing JupyterLab from PyPI (pip install --user jupyterlab jupyterlab_widgets nbclient) ..."
    if "$base_py" -m pip install --user --quiet jupyterlab jupyterlab_widgets nbclient 2>/dev/null; then return 0; fi
    # Debian/Ubuntu Pythons refuse `pip install --user` (PEP 668): use a private virtual env.
    local venv="${XDG_DATA_HOME:-$HOME/.local/share}/numlab/jupyter-venv"
    say "pip --user refused; installing into a virtual environment at $venv ..."
    "$base_py" -m venv "$venv" && "$venv/bin/python" -m pip install --quiet jupyterlab jupyterlab_widgets nbclient && return 0
  fi
  if command -v apt-get >/dev/null 2>&1; then
    # (the widgets extension lets the classic Notebook show numlab's sliders and text boxes)
    local pkgs=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-nbextension-jupyter-js-widgets python3-widgetsnbextension)
    say "installing Jupyter with apt-get: ${pkgs[*]} ..."
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" \
      || { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}"; }; then
      return 0
    fi
    say "apt-get failed (it needs root or sudo)."
  else
    say "apt-get is not available."
  fi
  return 1
}

if ! PY="$(find_python)"; then
  say "Jupyter (jupyter_client + nbclient) not found."
  install_jupyter || true
  PY="$(find_python)" || fail "could not find or install Jupyter. Install it yourself, then run this again:
    pip install jupyterlab                                             (where PyPI is reachable)
    sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient   (Debian/Ubuntu)
  or point NUMLAB_PYTHON at a Python that has jupyter_client and nbclient."
fi
# npm start opens a front-end: install one where Jupyter has none (nbclient alone runs notebooks, it shows none).
if [ "$OPEN" = 1 ] && ! has_frontend "$PY"; then
  if FRONT_PY="$(find_python frontend)"; then
    PY="$FRONT_PY"
  else
    say "$PY has Jupyter's notebook runner but no front-end to open (JupyterLab or Jupyter Notebook): installing one."
    install_jupyter "$PY" || true
    PY="$(find_python frontend)" || fail "could not install a Jupyter front-end for --open. Install one yourself, then run this again:
    pip install jupyterlab                                   (where PyPI is reachable)
    sudo apt-get install jupyter-notebook jupyter-nbextension-jupyter-js-widgets   (Debian/Ubuntu)
  or set NUMLAB_PYTHON to a Python that has one; \`npm run setup\` (without --open) needs none."
  fi
fi
say "Jupyter: $PY ($("$PY" -c 'import jupyter_client; print("jupyter_client", jupyter_client.__version__)'))"

# --- 2. Build numlab and install the kernelspec ---------------------------------------------------
cd "$REPO"
if [ "$INSTALLED" = 1 ]; then
  [ -f dist/kernel/main.js ] || fail "$REPO/dist/kernel/main.js is missing: reinstall numlab (npm install numlab)."
  say "numlab is installed as a dependency ($REPO): using its shipped dist/"
elif [ ! -d node_modules/tslab ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci) ..."
  npm ci || fail "npm ci failed (see above)."
fi
needs_build() {
  [ "$INSTALLED" = 0 ] || return 1
  [ -f dist/kernel/main.js ] && [ -f dist/index.js ] && [ -L node_modules/numlab ] || return 0
  [ -n "$(find src package.json tsconfig.json -newer dist/index.js -print -quit)" ]
}
if needs_build; then
  say "building numlab (npm run build) ..."
  npm run build || fail "npm run build failed (see the TypeScript errors above)."
fi

# The repo's kernel.json finds dist/ through {resource_dir} (for JUPYTER_PATH=kernel-setup); an
# installed copy lives elsewhere, so it gets this checkout's absolute paths instead.
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/numlab"
cp -R "$SPEC_SRC/." "$STAGE/numlab/"
"$NODE_BIN" - "$SPEC_SRC/kernel.json" "$STAGE/numlab/kernel.json" "$NODE_BIN" "$REPO/dist/kernel/main.js" <<'EOF'
const fs = require("fs");
const [src, dst, node, main] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(src, "utf8"));
spec.argv = [node, main, "{connection_file}"];
fs.writeFileSync(dst, JSON.stringify(spec, null, 2) + "\n");
EOF
"$PY" -m jupyter_client.kernelspecapp install --user --name numlab "$STAGE/numlab" >/dev/null 2>&1 \
  || "$PY" -m jupyter_client.kernelspecapp install --user --name numlab "$STAGE/numlab" \
  || fail "jupyter kernelspec install failed (see above)."
SPEC_DIR="$("$PY" -c 'from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec("numlab").resource_dir)')"
say "kernel \"TypeScript (numlab)\" installed: $SPEC_DIR"

# --- 3. Prove it: execute a one-cell notebook through the kernel --------------------------------
say "checking the kernel: executing a one-cell notebook ..."
NUMLAB_SMOKE=1 "$PY" - "$REPO/notebooks" <<'EOF' || fail "the numlab kernel did not run a notebook (see above)."
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "numlab", "display_name": "TypeScript (numlab)", "language": "typescript"}
nb.cells = [nbformat.v4.new_code_cell('import { isSmoke } from "numlab";\nisSmoke() ? 6 * 7 : -1')]
NotebookClient(nb, timeout=180, kernel_name="numlab", resources={"metadata": {"path": sys.argv[1]}}).execute()
outputs = nb.cells[0].outputs
got = [o["data"]["text/plain"] for o in outputs if o.get("output_type") == "execute_result"]
if got != ["42"]:
    sys.exit("unexpected outputs: %r" % (outputs,))
print("[numlab setup] ok: the kernel answered 6 * 7 = 42")
EOF

# Widgets (the walkthroughs' sliders and text boxes) need the front-end's widget manager.
if ! "$PY" -c 'import jupyterlab_widgets' >/dev/null 2>&1 && ! "$PY" -c 'import widgetsnbextension' >/dev/null 2>&1; then
  say "note: for interactive widgets install jupyterlab_widgets (pip) or, for the classic Notebook on Debian/Ubuntu,"
  say "      apt-get install jupyter-nbextension-jupyter-js-widgets python3-widgetsnbextension (without them widgets show as snapshots)"
fi

# --- 4. Open the notebooks ------------------------------------------------------------------------
if [ "$OPEN" = 1 ]; then
  if "$PY" -c 'import jupyterlab' >/dev/null 2>&1; then APP=lab; else APP=notebook; fi
  "$PY" -c "import $([ $APP = lab ] && echo jupyterlab || echo notebook)" >/dev/null 2>&1 \
    || fail "neither JupyterLab nor Jupyter Notebook is installed for $PY (pip install jupyterlab, or apt-get install jupyter-notebook)."
  CMD=("$PY" -m jupyter "$APP")
  [ "$(id -u)" -eq 0 ] && CMD+=(--allow-root)
  NOTEBOOKS="$REPO/notebooks"
  if [ "$INSTALLED" = 1 ]; then
    NOTEBOOKS="$CALLER_DIR/numlab-notebooks"
    mkdir -p "$NOTEBOOKS"
    cp -n "$REPO"/notebooks/*.ipynb "$NOTEBOOKS"/ 2>/dev/null || true
  fi
  say "opening $NOTEBOOKS in Jupyter ${APP} (stop with Ctrl-C) ..."
  if [ "${NUMLAB_OPEN_DRY_RUN:-0}" = 1 ]; then
    echo "would run (in $NOTEBOOKS): ${CMD[*]}"
    exit 0
  fi
  cd "$NOTEBOOKS"
  exec "${CMD[@]}"
else
  say "done. Open the notebooks with: npm start"
fi
