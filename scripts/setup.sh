#!/usr/bin/env bash
# Set up this machine for crank: its virtual environment, container engines and images.
#
# Usage:
#   scripts/setup.sh example              install crank into .venv, make one engine ready and
#                                         start examples/email-classifier with `crank up -d`
#   scripts/setup.sh test [PYTEST ARG...] install crank with its test extra, make Docker and
#                                         Podman ready, build the test images and run pytest
#   scripts/setup.sh base-image [ENGINE...]
#                                         import the offline Python base image into the
#                                         engines (default: every reachable engine)
#
# Environment:
#   CRANK_CONTAINER_RUNTIME  engine for `example`: auto (default), docker or podman
#   CRANK_BASE_IMAGE         base image of the example's services; when unset, the script
#                            imports localhost/crank-python-base:bookworm, made offline
#   CRANK_REQUIRE_ENGINES    comma-separated engines that `test` must make ready, or fail
#   CRANK_SETUP_BASE_IMAGE   1 makes `test` also import the Python base image
#   CRANK_PYTHON             interpreter that creates .venv (default python3)
#   CRANK_DEBIAN_MIRROR      mirror for debootstrap (default http://deb.debian.org/debian)
#   CRANK_DOCKERD_LOG        log file of a dockerd started here (default /var/log/dockerd.log)
#   CRANK_ENGINE_START_TIMEOUT  seconds to wait for dockerd to respond (default 60)
#
# Every step checks first whether its work is done, so a second run is quick.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
VENV_DIR=$REPO_ROOT/.venv
EXAMPLE_DIR=$REPO_ROOT/examples/email-classifier

# shellcheck source=scripts/lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
# shellcheck source=scripts/lib/python_env.sh
source "$SCRIPT_DIR/lib/python_env.sh"
# shellcheck source=scripts/lib/engines.sh
source "$SCRIPT_DIR/lib/engines.sh"
# shellcheck source=scripts/lib/images.sh
source "$SCRIPT_DIR/lib/images.sh"
# shellcheck source=scripts/lib/example.sh
source "$SCRIPT_DIR/lib/example.sh"

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

engine_is_required() {
    local engine=$1
    [[ ,${CRANK_REQUIRE_ENGINES:-}, == *",$engine,"* ]]
}

cmd_test() {
    ensure_venv
    install_crank test
    compile_crank
    install_debian_packages "${DOCKER_PACKAGES[@]}" "${PODMAN_PACKAGES[@]}" \
        busybox-static debootstrap debian-archive-keyring \
        || die "installing the engines' packages failed"

    local -a ready_engines=()
    local engine
    for engine in docker podman; do
        if prepare_engine "$engine" && build_test_busybox_image "$engine"; then
            ready_engines+=("$engine")
        elif engine_is_required "$engine"; then
            die "$engine is listed in CRANK_REQUIRE_ENGINES=$CRANK_REQUIRE_ENGINES but is not ready"
        else
            warn "$engine is not ready, so the tests that need it will be skipped"
        fi
    done

    if [[ ${CRANK_SETUP_BASE_IMAGE:-} == 1 ]]; then
        for engine in "${ready_engines[@]}"; do
            ensure_python_base_image "$engine" || die "the Python base image is missing on $engine"
        done
    fi

    log "running pytest; engines ready: ${ready_engines[*]:-none}"
    cd "$REPO_ROOT"
    exec "$VENV_DIR/bin/python" -m pytest "$@"
}

cmd_base_image() {
    local -a engines=("$@")
    if ((${#engines[@]} == 0)); then
        docker_reachable && engines+=(docker)
        podman_reachable && engines+=(podman)
        ((${#engines[@]} > 0)) || die "neither docker nor podman is reachable; run scripts/setup.sh example or test first"
    fi
    local engine
    for engine in "${engines[@]}"; do
        case $engine in
            docker | podman) ensure_python_base_image "$engine" || die "the Python base image is missing on $engine" ;;
            *) die "unknown engine '$engine': expected docker or podman" ;;
        esac
    done
}

main() {
    local subcommand=${1:-}
    (($# > 0)) && shift
    case $subcommand in
        example)
            (($# == 0)) || die "'example' takes no arguments"
            cmd_example
            ;;
        test) cmd_test "$@" ;;
        base-image) cmd_base_image "$@" ;;
        -h | --help | help) usage ;;
        "")
            usage >&2
            exit 2
            ;;
        *)
            printf 'error: unknown command %q\n\n' "$subcommand" >&2
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
