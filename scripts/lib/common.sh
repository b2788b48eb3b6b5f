# shellcheck shell=bash
# Shared helpers for scripts/setup.sh: messages, waiting, root and distribution checks,
# and Debian package installation. Sourced, never run on its own.

log() {
    printf '==> %s\n' "$*" >&2
}

warn() {
    printf 'warning: %s\n' "$*" >&2
}

# Print an error and return 1, so a caller can decide whether the failure is fatal.
error() {
    printf 'error: %s\n' "$*" >&2
    return 1
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() {
    [[ $(id -u) -eq 0 ]]
}

# Succeed on Debian, Ubuntu and their derivatives, where the package names below exist.
is_debian_like() {
    [[ -r /etc/os-release ]] || return 1
    local id id_like
    id=$(. /etc/os-release && printf '%s' "${ID:-}")
    id_like=$(. /etc/os-release && printf '%s' "${ID_LIKE:-}")
    [[ $id == debian || $id == ubuntu ]] && return 0
    [[ " $id_like " == *" debian "* || " $id_like " == *" ubuntu "* ]]
}

# Run a command every half second until it succeeds or TIMEOUT seconds have passed.
# Usage: wait_until TIMEOUT COMMAND [ARG...]
wait_until() {
    local timeout=$1
    shift
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# Print the names of the given Debian packages that are not installed, one a line.
missing_debian_packages() {
    local package status
    for package in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
        [[ $status == installed ]] || printf '%s\n' "$package"
    done
}

APT_LISTS_UPDATED=false

# Install the given Debian packages that are missing. Does nothing, and needs neither
# root nor the network, when all of them are installed already.
install_debian_packages() {
    local -a missing
    if command -v dpkg-query >/dev/null; then
        mapfile -t missing < <(missing_debian_packages "$@")
    else
        missing=("$@")
    fi
    ((${#missing[@]} > 0)) || return 0

    if ! is_debian_like || ! command -v apt-get >/dev/null; then
        error "missing packages: ${missing[*]}. This script installs packages only on Debian and Ubuntu: install the equivalent packages with your system's package manager and run it again."
        return 1
    fi
    if ! is_root; then
        error "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]} (or run this script as root)."
        return 1
    fi

    log "installing Debian packages: ${missing[*]}"
    local -a apt_get=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Options::=--force-confold)
    if [[ $APT_LISTS_UPDATED == false ]]; then
        "${apt_get[@]}" update </dev/null || return 1
        APT_LISTS_UPDATED=true
    fi
    "${apt_get[@]}" install -y "${missing[@]}" </dev/null
}

# Print the value of KEY from a dotenv file, or nothing when the file or the key is missing.
# Reads only plain KEY=VALUE lines and strips one pair of surrounding quotes.
read_dotenv_value() {
    local file=$1 key=$2 line value
    [[ -r $file ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line == "$key="* ]] || continue
        value=${line#"$key="}
        if [[ $value == \"*\" || $value == \'*\' ]]; then
            value=${value:1:${#value}-2}
        fi
        printf '%s' "$value"
        return 0
    done <"$file"
}
