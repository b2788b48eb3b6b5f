# shellcheck shell=bash
# The project's virtual environment: create .venv and install crank into it in editable
# mode. Sourced by scripts/setup.sh, which sets REPO_ROOT and VENV_DIR.

MINIMUM_PYTHON=(3 11)

# Create VENV_DIR with CRANK_PYTHON (default python3) unless it already has a working python.
ensure_venv() {
    if [[ -x $VENV_DIR/bin/python ]] && "$VENV_DIR/bin/python" -c 'import pip' 2>/dev/null; then
        return 0
    fi

    local python=${CRANK_PYTHON:-python3}
    command -v "$python" >/dev/null \
        || die "$python not found. Install Python ${MINIMUM_PYTHON[0]}.${MINIMUM_PYTHON[1]} or newer (Debian and Ubuntu: apt-get install python3 python3-venv), or set CRANK_PYTHON to its path."
    if ! "$python" -c "import sys; sys.exit(sys.version_info < (${MINIMUM_PYTHON[0]}, ${MINIMUM_PYTHON[1]}))"; then
        die "crank needs Python ${MINIMUM_PYTHON[0]}.${MINIMUM_PYTHON[1]} or newer, but $python is $("$python" --version 2>&1). Set CRANK_PYTHON to a newer interpreter."
    fi

    # Debian and Ubuntu ship the venv module's pip bootstrap (ensurepip) in a separate package.
    if ! "$python" -c 'import ensurepip' 2>/dev/null; then
        install_debian_packages python3-venv \
            || die "the venv module of $python cannot install pip (ensurepip is missing)."
    fi

    log "creating the virtual environment $VENV_DIR"
    rm -rf "$VENV_DIR"
    "$python" -m venv "$VENV_DIR"
}

# Install crank in editable mode with the given extra (empty for none). Skips pip when the
# same pyproject.toml was installed with the same extra before, because an editable install
# already follows changes to the source files.
install_crank() {
    local extra=$1
    local requirement=.
    [[ -n $extra ]] && requirement=".[$extra]"

    local stamp="$VENV_DIR/.crank-setup-installed${extra:+-$extra}"
    local fingerprint
    fingerprint=$(sha256sum "$REPO_ROOT/pyproject.toml")
    fingerprint=${fingerprint%% *}
    if [[ -x $VENV_DIR/bin/crank && -f $stamp && $(<"$stamp") == "$fingerprint" ]]; then
        log "crank${extra:+ with the $extra extra} is installed in $VENV_DIR and up to date"
        return 0
    fi

    log "installing crank${extra:+ with the $extra extra} into $VENV_DIR (pip install -e '$requirement')"
    # The compat mode puts the repository on sys.path with a .pth line. The default mode
    # installs an import hook that costs every crank command about 20 ms at start-up.
    (cd "$REPO_ROOT" && "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check \
        --progress-bar off --config-settings editable_mode=compat -e "$requirement")
    printf '%s\n' "$fingerprint" >"$stamp"
}

# Compile crank's modules ahead of time. With PYTHONDONTWRITEBYTECODE set, Python never
# writes them itself, and every crank command would compile its imports again.
compile_crank() {
    "$VENV_DIR/bin/python" -m compileall -q "$REPO_ROOT/crank_cli" >/dev/null
}
