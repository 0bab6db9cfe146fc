# Sourced by scripts/build and scripts/test: make the virtual environment .venv (ignored by git)
# if it is missing, and install ocopsite into it, with the extras asked for ("" or "test"), only
# when pyproject.toml changed since they were last installed.
ensure_venv() {
  local extras="$1" spec="." stamp wanted
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
      # Debian and Ubuntu ship venv apart
      local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv
      python3 -m venv .venv
    fi
  fi
  stamp=".venv/.installed${extras:+-$extras}"
  wanted=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing ocopsite${extras:+ with its $extras tools} into .venv (pyproject.toml changed)…" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$wanted" > "$stamp"
  fi
}
