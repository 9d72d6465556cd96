# shellcheck shell=bash
# Set-up shared by ./handbook and tests/run.sh (sourced, not run): the Debian packages
# a command needs, then a virtual environment in the repository (.venv) with the project
# installed editable into it. Stock Debian 12 and Ubuntu 24.04 refuse `pip install` into
# the system Python (PEP 668, externally managed), so nothing is ever installed there.
# As root the missing Debian packages are installed; otherwise the exact apt-get line is
# printed and the command stops.

HANDBOOK_MIN_PYTHON="3.11"

# Names of the Debian packages in "$@" that are not installed (dpkg's own record, so a
# package is found whatever it puts on the PATH).
_missing_debian_packages() {
  local package
  for package in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != "installed" ]; then
      printf '%s\n' "$package"
    fi
  done
}

# ensure_debian_packages WHO PACKAGE...: install the missing ones as root, else stop
# with the line to run. Without dpkg (not Debian or Ubuntu) the packages are named and
# the set-up goes on: the commands that need them will say what is missing.
ensure_debian_packages() {
  local who=$1
  shift
  if ! command -v dpkg-query >/dev/null 2>&1; then
    return 0
  fi
  local missing
  mapfile -t missing < <(_missing_debian_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$who: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "$who: missing Debian packages: ${missing[*]}" >&2
    echo "$who: install them, then run this again: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

# ensure_venv WHO REPO EXTRAS: REPO/.venv exists and holds the project (with EXTRAS,
# e.g. "[test]") installed editable. Reinstalls only when pyproject.toml changed since
# the last install of those extras.
ensure_venv() {
  local who=$1 repo=$2 extras=$3
  local venv="$repo/.venv"
  if [ ! -x "$venv/bin/python" ]; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "$who: python3 is not installed (sudo apt-get install python3 python3-venv)" >&2
      exit 1
    fi
    if ! python3 -c "import sys; sys.exit(sys.version_info < (3, 11))"; then
      echo "$who: python3 is $(python3 -c 'import platform; print(platform.python_version())'); the handbook needs $HANDBOOK_MIN_PYTHON or newer" >&2
      exit 1
    fi
    # Debian's python3 has no ensurepip (so no venv) without python3-venv.
    if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
      ensure_debian_packages "$who" python3-venv
    fi
    echo "$who: creating $venv" >&2
    python3 -m venv "$venv"
  fi
  # One stamp per set of extras, holding the checksum of the pyproject.toml installed;
  # the test install ([test]) also serves ./handbook.
  local wanted stamp
  wanted="$(cksum <"$repo/pyproject.toml")"
  for stamp in "$venv/.installed$extras" "$venv/.installed[test]"; do
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
      return 0
    fi
  done
  echo "$who: installing the handbook tool${extras:+ with $extras} into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$repo$extras"
  printf '%s\n' "$wanted" >"$venv/.installed$extras"
}

# What a build needs from Debian: WeasyPrint's Pango and the DejaVu fonts the pocket
# guide embeds (theme/print/config.yaml).
HANDBOOK_BUILD_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-dejavu-extra)
# What the tests add: Chromium for the browser tests (Playwright cannot download its own
# browser here), poppler-utils for pdftoppm, Node.js for `node --test`, git for the
# edition-comparison tests.
HANDBOOK_TEST_PACKAGES=(chromium poppler-utils nodejs git)
