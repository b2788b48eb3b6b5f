# shellcheck shell=bash
# Images made without a registry: the Python base image of the example, imported from a
# Debian root file system that debootstrap makes, and the busybox image of the tests.
# Sourced by scripts/setup.sh, which sets REPO_ROOT. The functions print an error and
# return 1 on failure.

BASE_IMAGE_SUITE=bookworm
BASE_IMAGE_TAG=localhost/crank-python-base:$BASE_IMAGE_SUITE
DEBIAN_MIRROR=${CRANK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TEST_BUSYBOX_IMAGE=localhost/crank-test-busybox:latest

# Git-ignored folder that keeps the root file system tarball, so that importing the base
# image into a second engine, or again after `rmi`, skips debootstrap.
IMAGE_CACHE_DIR=$REPO_ROOT/.crank-images
ROOTFS_TARBALL=$IMAGE_CACHE_DIR/python-base-$BASE_IMAGE_SUITE.tar

image_exists() {
    local engine=$1 image=$2
    "$engine" image inspect "$image" >/dev/null 2>&1
}

# Build an image with the engine's own builder. Docker uses its legacy builder, because
# Debian's docker.io has no buildx plugin.
build_image() {
    local engine=$1 tag=$2 context=$3
    shift 3
    local -a build_command=("$engine" build -q -t "$tag" "$@" "$context")
    if [[ $engine == docker ]]; then
        DOCKER_BUILDKIT=0 "${build_command[@]}" >/dev/null
    else
        "${build_command[@]}" >/dev/null
    fi
}

# Import the Python base image into the engine unless it has it already.
ensure_python_base_image() {
    local engine=$1
    if image_exists "$engine" "$BASE_IMAGE_TAG"; then
        log "$engine has the base image $BASE_IMAGE_TAG"
        return 0
    fi
    ensure_rootfs_tarball || return 1

    log "importing $ROOTFS_TARBALL into $engine as $BASE_IMAGE_TAG"
    local started=$SECONDS
    local -a import_command=("$engine" import)
    [[ $engine == podman ]] && import_command+=(--quiet)
    "${import_command[@]}" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        "$ROOTFS_TARBALL" "$BASE_IMAGE_TAG" >/dev/null \
        || { error "$engine import of $ROOTFS_TARBALL failed"; return 1; }
    log "imported $BASE_IMAGE_TAG into $engine in $((SECONDS - started))s"
}

# Make ROOTFS_TARBALL with debootstrap unless it exists. A lock on the cache folder keeps
# two runs of this script from building it at the same time.
ensure_rootfs_tarball() {
    [[ -s $ROOTFS_TARBALL ]] && return 0
    is_root || {
        error "making the base image's root file system with debootstrap needs root; run this script with sudo, or set CRANK_BASE_IMAGE to an image you can pull (for example python:3.12-slim)."
        return 1
    }
    install_debian_packages debootstrap debian-archive-keyring || return 1
    mkdir -p "$IMAGE_CACHE_DIR" || return 1

    local lock_fd
    exec {lock_fd}>"$IMAGE_CACHE_DIR/.lock"
    flock "$lock_fd"
    if [[ -s $ROOTFS_TARBALL ]]; then
        exec {lock_fd}>&-
        return 0
    fi
    local status=0
    build_rootfs_tarball || status=$?
    exec {lock_fd}>&-
    return "$status"
}

build_rootfs_tarball() {
    # Folders left by an interrupted run; the lock guarantees that no other run uses them.
    local stale
    for stale in "$IMAGE_CACHE_DIR"/rootfs.*; do
        [[ -d $stale ]] && remove_rootfs "$stale"
    done

    local rootfs build_log=$IMAGE_CACHE_DIR/debootstrap.log
    rootfs=$(mktemp -d "$IMAGE_CACHE_DIR/rootfs.XXXXXX") || return 1
    log "making a Debian $BASE_IMAGE_SUITE root file system with python3 from $DEBIAN_MIRROR (debootstrap takes about a minute); its log is $build_log"
    local started=$SECONDS
    if ! debootstrap --variant=minbase --include=python3 \
        "$BASE_IMAGE_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$build_log" 2>&1; then
        tail -n 20 "$build_log" >&2 || true
        remove_rootfs "$rootfs"
        error "debootstrap failed; its log is $build_log"
        return 1
    fi
    trim_rootfs "$rootfs"

    if ! tar --numeric-owner -C "$rootfs" -cf "$ROOTFS_TARBALL.partial" .; then
        rm -f "$ROOTFS_TARBALL.partial"
        remove_rootfs "$rootfs"
        error "packing $rootfs into $ROOTFS_TARBALL failed"
        return 1
    fi
    mv "$ROOTFS_TARBALL.partial" "$ROOTFS_TARBALL" || return 1
    remove_rootfs "$rootfs"
    log "made $ROOTFS_TARBALL in $((SECONDS - started))s"
}

# Drop what an image does not need, and the host's own network identity, which debootstrap
# copies in. The files are removed before they are rewritten, because a symbolic link there
# would point into the host's file system.
trim_rootfs() {
    local rootfs=$1
    rm -f "$rootfs"/var/cache/apt/archives/*.deb
    find "$rootfs/var/lib/apt/lists" -maxdepth 1 -type f -delete
    rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    : >"$rootfs/etc/resolv.conf"
    printf 'localhost\n' >"$rootfs/etc/hostname"
}

# Remove a debootstrap target. debootstrap mounts /proc and /sys inside it while it runs and
# can leave them mounted when it fails, so those are unmounted first, and rm stays on the
# target's own file system.
remove_rootfs() {
    local rootfs=$1 mount_point
    while IFS= read -r mount_point; do
        umount -l "$mount_point" || warn "could not unmount $mount_point"
    done < <(findmnt -rn -o TARGET | awk -v prefix="$rootfs/" 'index($0, prefix) == 1' | sort -r)
    rm -rf --one-file-system "$rootfs"
}

# Build the tests' busybox image on the engine: FROM scratch, with the static busybox of
# the busybox-static package and its applets linked into /bin.
build_test_busybox_image() {
    local engine=$1
    local busybox=/bin/busybox
    [[ -x $busybox ]] || { error "$busybox not found; install busybox-static"; return 1; }

    local context
    context=$(mktemp -d) || return 1
    cp "$REPO_ROOT/tests/images/busybox/Dockerfile" "$busybox" "$context/"
    local started=$SECONDS
    if ! build_image "$engine" "$TEST_BUSYBOX_IMAGE" "$context"; then
        rm -rf "$context"
        error "building $TEST_BUSYBOX_IMAGE on $engine failed"
        return 1
    fi
    rm -rf "$context"
    log "built $TEST_BUSYBOX_IMAGE on $engine in $((SECONDS - started))s"
}
