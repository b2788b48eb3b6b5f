# shellcheck shell=bash
# `scripts/setup.sh example`: the first run of crank on a new machine. Sourced by
# scripts/setup.sh, which sets EXAMPLE_DIR and VENV_DIR.

EXAMPLE_ENGINE=

# Make the engine named by CRANK_CONTAINER_RUNTIME (environment, then the example's .env)
# ready, or with auto pick one: a reachable engine, then an installed Podman, then an
# installed dockerd, and last a Podman that this script installs. Sets EXAMPLE_ENGINE.
choose_example_engine() {
    local requested=${CRANK_CONTAINER_RUNTIME:-}
    [[ -n $requested ]] || requested=$(read_dotenv_value "$EXAMPLE_DIR/.env" CRANK_CONTAINER_RUNTIME)
    requested=${requested,,}

    case ${requested:-auto} in
        docker | podman)
            make_engine_ready "$requested" || die "the engine $requested, which CRANK_CONTAINER_RUNTIME requests, is not ready"
            EXAMPLE_ENGINE=$requested
            ;;
        auto)
            pick_engine
            ;;
        containerd)
            die "scripts/setup.sh example builds the example's images with docker or podman; set CRANK_CONTAINER_RUNTIME to docker, podman or auto"
            ;;
        *)
            die "invalid CRANK_CONTAINER_RUNTIME '$requested': expected auto, docker or podman"
            ;;
    esac
    log "the example runs on $EXAMPLE_ENGINE"
}

# Make an engine ready, and install it only when its program is missing, so that an engine
# installed some other way than from Debian packages is used as it is.
make_engine_ready() {
    local engine=$1
    case $engine in
        docker)
            if docker_reachable || command -v dockerd >/dev/null; then
                ensure_docker_running
            else
                prepare_engine docker
            fi
            ;;
        podman)
            if command -v podman >/dev/null; then
                ensure_podman_ready
            else
                prepare_engine podman
            fi
            ;;
    esac
}

pick_engine() {
    if docker_reachable; then
        EXAMPLE_ENGINE=docker
    elif command -v podman >/dev/null && ensure_podman_ready; then
        EXAMPLE_ENGINE=podman
    elif command -v dockerd >/dev/null && is_root && ensure_docker_running; then
        EXAMPLE_ENGINE=docker
    elif is_root && is_debian_like; then
        log "no container engine is reachable; installing Podman, which needs no daemon"
        prepare_engine podman || die "installing Podman failed"
        EXAMPLE_ENGINE=podman
    else
        print_engine_install_help
        exit 1
    fi
}

# Write the example's .env from .env.example unless .env exists, with the chosen engine and
# base image filled in.
# Point an existing .env at the engine the example now runs on, keeping every other line, so
# that `crank status` and `crank down` in the folder find the stack.
set_runtime_in_env() {
    local env_file=$1 engine=$2 line wrote_engine=false
    {
        while IFS= read -r line || [[ -n $line ]]; do
            if [[ $line == CRANK_CONTAINER_RUNTIME=* ]]; then
                printf 'CRANK_CONTAINER_RUNTIME=%s\n' "$engine"
                wrote_engine=true
            else
                printf '%s\n' "$line"
            fi
        done <"$env_file"
        [[ $wrote_engine == true ]] || printf 'CRANK_CONTAINER_RUNTIME=%s\n' "$engine"
    } >"$env_file.partial"
    mv "$env_file.partial" "$env_file"
    log "kept the existing $env_file, with CRANK_CONTAINER_RUNTIME=$engine"
}

write_example_env() {
    local engine=$1 base_image=$2
    local env_file=$EXAMPLE_DIR/.env template=$EXAMPLE_DIR/.env.example
    if [[ -e $env_file ]]; then
        set_runtime_in_env "$env_file" "$engine"
        return 0
    fi
    [[ -f $template ]] || die "$template not found"

    local line wrote_engine=false wrote_base_image=false
    {
        while IFS= read -r line || [[ -n $line ]]; do
            case $line in
                CRANK_CONTAINER_RUNTIME=*)
                    printf 'CRANK_CONTAINER_RUNTIME=%s\n' "$engine"
                    wrote_engine=true
                    ;;
                CRANK_BASE_IMAGE=*)
                    printf 'CRANK_BASE_IMAGE=%s\n' "$base_image"
                    wrote_base_image=true
                    ;;
                *) printf '%s\n' "$line" ;;
            esac
        done <"$template"
        [[ $wrote_engine == true ]] || printf 'CRANK_CONTAINER_RUNTIME=%s\n' "$engine"
        [[ $wrote_base_image == true ]] || printf 'CRANK_BASE_IMAGE=%s\n' "$base_image"
    } >"$env_file.partial"
    mv "$env_file.partial" "$env_file"
    log "wrote $env_file (engine $engine, base image $base_image)"
}

# Print HOST:PORT to reach the classifier from this machine, given CLASSIFIER_PORT, which is
# the host side of a compose port mapping: a port (8080) or an address and a port
# (127.0.0.1:8080, [::1]:8080). A wildcard address (0.0.0.0, [::]) is reached on loopback.
classifier_address() {
    local published=$1
    local host=127.0.0.1 port=$published
    if [[ $published == *:* ]]; then
        host=${published%:*}
        port=${published##*:}
    fi
    case $host in
        0.0.0.0 | "") host=127.0.0.1 ;;
        "[::]") host="[::1]" ;;
    esac
    printf '%s:%s\n' "$host" "$port"
}

cmd_example() {
    ensure_venv
    install_crank ""
    compile_crank
    choose_example_engine

    local base_image=${CRANK_BASE_IMAGE:-}
    [[ -n $base_image ]] || base_image=$(read_dotenv_value "$EXAMPLE_DIR/.env" CRANK_BASE_IMAGE)
    base_image=${base_image:-$BASE_IMAGE_TAG}
    if [[ $base_image == "$BASE_IMAGE_TAG" ]]; then
        ensure_python_base_image "$EXAMPLE_ENGINE" || die "the example's base image $BASE_IMAGE_TAG is missing on $EXAMPLE_ENGINE"
    else
        log "the example uses the base image $base_image, which $EXAMPLE_ENGINE must have or be able to pull"
    fi
    write_example_env "$EXAMPLE_ENGINE" "$base_image"

    [[ -x $VENV_DIR/bin/crank ]] || die "$VENV_DIR/bin/crank is missing after the install; check the pip output above"
    local -a crank=(env "CRANK_CONTAINER_RUNTIME=$EXAMPLE_ENGINE" "$VENV_DIR/bin/crank")
    log "starting the example: crank up -d (in $EXAMPLE_DIR)"
    (cd "$EXAMPLE_DIR" && "${crank[@]}" up -d)
    (cd "$EXAMPLE_DIR" && "${crank[@]}" status)

    local port
    # The environment wins over .env, as it does for crank's interpolation.
    port=${CLASSIFIER_PORT:-$(read_dotenv_value "$EXAMPLE_DIR/.env" CLASSIFIER_PORT)}
    port=${port:-8080}
    cat >&2 <<MESSAGE

The example runs on $EXAMPLE_ENGINE. Try it:
  curl -s -X POST http://$(classifier_address "$port")/classify \\
       -H 'Content-Type: application/json' \\
       -d '{"subject": "You won a prize", "body": "Claim your free money now"}'
In $EXAMPLE_DIR:
  $VENV_DIR/bin/crank logs worker    # the worker's classifications
  $VENV_DIR/bin/crank down           # stop and remove the stack
MESSAGE
}
