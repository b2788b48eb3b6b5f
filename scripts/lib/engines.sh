# shellcheck shell=bash
# Container engines: install Docker's engine and Podman on Debian and Ubuntu, start dockerd,
# and write the Podman settings this host needs. Sourced by scripts/setup.sh.
#
# The functions print an error and return 1 instead of exiting, so that the caller decides
# whether an engine that cannot be made ready stops the run.

# Docker's engine (docker.io brings dockerd, containerd and runc) and Podman with the
# network stack that resolves service names (netavark, aardvark-dns). Podman runs catatonit
# for a service with `init: true`; it is only a recommended package, which APT may skip.
DOCKER_PACKAGES=(docker.io containerd runc iptables)
PODMAN_PACKAGES=(podman runc crun slirp4netns fuse-overlayfs uidmap containernetworking-plugins
    netavark aardvark-dns catatonit)

DOCKERD_LOG=${CRANK_DOCKERD_LOG:-/var/log/dockerd.log}
DOCKERD_PID_FILE=/var/run/docker.pid
ENGINE_START_TIMEOUT=${CRANK_ENGINE_START_TIMEOUT:-60}

# The settings file that this script writes, marked so that a later run may rewrite it.
PODMAN_CONF_MARKER="# Written by crank's scripts/setup.sh."

docker_reachable() {
    command -v docker >/dev/null && docker info >/dev/null 2>&1
}

podman_reachable() {
    command -v podman >/dev/null && podman info >/dev/null 2>&1
}

# Start dockerd in the background unless `docker info` already succeeds, then wait for it.
ensure_docker_running() {
    docker_reachable && return 0

    command -v dockerd >/dev/null \
        || { error "Docker's engine (dockerd) is not installed."; return 1; }
    command -v docker >/dev/null \
        || { error "the docker client is not installed."; return 1; }
    is_root \
        || { error "Docker's engine is installed but not running. Start it (for example: sudo sh -c 'dockerd >/var/log/dockerd.log 2>&1 &') and run this again."; return 1; }

    if pgrep -x dockerd >/dev/null; then
        log "dockerd is running but does not respond yet; waiting up to ${ENGINE_START_TIMEOUT}s"
    else
        remove_stale_dockerd_pid_file
        log "starting dockerd in the background; its log is $DOCKERD_LOG"
        # setsid detaches dockerd from this terminal's session, so it outlives the script.
        setsid dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 &
    fi

    if ! wait_until "$ENGINE_START_TIMEOUT" docker_reachable; then
        tail -n 20 "$DOCKERD_LOG" >&2 || true
        error "timed out after ${ENGINE_START_TIMEOUT}s waiting for 'docker info' to succeed; the dockerd log is $DOCKERD_LOG"
        return 1
    fi
    log "Docker's engine is ready: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
}

# dockerd fails to start while its pid file exists and names a live process. After a
# machine restart the file can outlive the process, because /var/run is not always a tmpfs.
remove_stale_dockerd_pid_file() {
    [[ -f $DOCKERD_PID_FILE ]] || return 0
    local pid
    pid=$(<"$DOCKERD_PID_FILE")
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
        return 0
    fi
    log "removing the stale $DOCKERD_PID_FILE (process $pid is not dockerd)"
    rm -f "$DOCKERD_PID_FILE"
}

# Print the containers.conf settings that Podman needs on this host, or nothing.
#
# - crun rejects a hybrid cgroup v1/v2 layout ("cgroups in hybrid mode not supported"),
#   so Podman uses runc unless /sys/fs/cgroup is a pure cgroup v2 mount.
# - Rootful Podman 4 gives each container nofile and nproc limits of 1048576, and runc
#   fails to set a limit above the podman process's own hard limit ("error setting rlimit
#   type 7" for nofile, "type 6" for nproc). That limit is this shell's hard limit for
#   nofile. For nproc Podman 4.3 first lowers its own limit to /proc/sys/kernel/pid_max
#   (seen with strace), so the lower of the two is used.
podman_settings() {
    local -a ulimits=()
    if is_root; then
        local nofile nproc
        nofile=$(ulimit -Hn)
        nproc=$(ulimit -Hu)
        local pid_max
        pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || printf unlimited)
        if [[ $nproc == unlimited ]] || { [[ $pid_max != unlimited ]] && ((pid_max < nproc)); }; then
            nproc=$pid_max
        fi
        if [[ $nofile != unlimited ]] && ((nofile < 1048576)); then
            ulimits+=("\"nofile=$nofile:$nofile\"")
        fi
        if [[ $nproc != unlimited ]] && ((nproc < 1048576)); then
            ulimits+=("\"nproc=$nproc:$nproc\"")
        fi
    fi

    local runtime=
    if [[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) != cgroup2fs ]]; then
        runtime=runc
    fi

    ((${#ulimits[@]} > 0)) || [[ -n $runtime ]] || return 0

    printf '%s\n' "$PODMAN_CONF_MARKER"
    printf '%s\n' "# Settings that let Podman run containers on this host; see podman_settings in"
    printf '%s\n' "# crank's scripts/lib/engines.sh for the reasons. Files in containers.conf.d/"
    printf '%s\n' "# override containers.conf, and a later file name overrides an earlier one."
    if ((${#ulimits[@]} > 0)); then
        local joined
        joined=$(IFS=,; printf '%s' "${ulimits[*]}")
        printf '\n[containers]\ndefault_ulimits = [%s]\n' "${joined//,/, }"
    fi
    if [[ -n $runtime ]]; then
        printf '\n[engine]\nruntime = "%s"\n' "$runtime"
    fi
}

# Write podman_settings where every later podman process reads them:
# - as root, /etc/containers/containers.conf when it is missing or was written by this
#   script, and otherwise the drop-in /etc/containers/containers.conf.d/50-crank.conf,
#   which leaves the administrator's file as it is;
# - as another user, ~/.config/containers/containers.conf.d/50-crank.conf.
configure_podman() {
    local settings
    settings=$(podman_settings)
    if [[ -z $settings ]]; then
        log "Podman needs no extra settings on this host"
        return 0
    fi
    if [[ -n ${CONTAINERS_CONF:-} ]]; then
        warn "CONTAINERS_CONF is set, so Podman reads only $CONTAINERS_CONF; make sure it contains:"
        printf '%s\n' "$settings" >&2
    fi

    local target
    if is_root; then
        local main_file=/etc/containers/containers.conf
        if [[ ! -e $main_file ]] || grep -qxF "$PODMAN_CONF_MARKER" "$main_file"; then
            target=$main_file
        else
            target=/etc/containers/containers.conf.d/50-crank.conf
        fi
    else
        target=${XDG_CONFIG_HOME:-$HOME/.config}/containers/containers.conf.d/50-crank.conf
    fi

    if [[ -f $target && $(<"$target") == "$settings" ]]; then
        log "Podman settings in $target are up to date"
        return 0
    fi
    mkdir -p "$(dirname "$target")" || return 1
    printf '%s\n' "$settings" >"$target" || return 1
    log "wrote Podman settings to $target"
}

# Configure Podman and check that 'podman info' succeeds.
# NOTE: rootless Podman passes this check without a subuid range, and then fails at the
# first build or run, so a non-root user sees that error only later.
ensure_podman_ready() {
    command -v podman >/dev/null || { error "Podman is not installed."; return 1; }
    configure_podman || return 1
    podman_reachable || { error "'podman info' failed; run it to see why."; return 1; }
    log "Podman is ready: $(podman version --format '{{.Client.Version}}' 2>/dev/null)"
}

# Make the named engine (docker or podman) ready, installing its Debian packages first.
prepare_engine() {
    local engine=$1
    case $engine in
        docker)
            install_debian_packages "${DOCKER_PACKAGES[@]}" || return 1
            ensure_docker_running
            ;;
        podman)
            install_debian_packages "${PODMAN_PACKAGES[@]}" || return 1
            ensure_podman_ready
            ;;
        *)
            error "unknown engine '$engine': expected docker or podman"
            ;;
    esac
}

# Print the commands that install an engine, for hosts where this script cannot.
print_engine_install_help() {
    cat >&2 <<'HELP'
No container engine is reachable, and this script can install one only as root on Debian or
Ubuntu. Install one of these, start it, and run scripts/setup.sh example again:
  - Podman (no daemon needed):
      Debian/Ubuntu:  sudo apt-get install podman runc uidmap slirp4netns
      Fedora/RHEL:    sudo dnf install podman
      macOS/Windows:  install Podman Desktop or the podman CLI, then
                      podman machine init && podman machine start
  - Docker Engine:
      Debian/Ubuntu:  sudo apt-get install docker.io
                      sudo sh -c 'dockerd >/var/log/dockerd.log 2>&1 &'
      other systems:  Docker Desktop, or Docker Engine from your distribution
Or run this script as root (sudo scripts/setup.sh example) on Debian or Ubuntu, and it
installs Podman itself.
HELP
}
