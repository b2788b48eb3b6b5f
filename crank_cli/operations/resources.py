"""The project-wide objects `up` prepares before any container: networks, volumes, images."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from crank_cli.errors import EngineError, ImageError, InvalidProjectError, MissingImageError
from crank_cli.operations import labels, specs
from crank_cli.operations.cancel import interrupted_as_cancelled
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState, ImageFacts
from crank_cli.threads import call_all

if TYPE_CHECKING:
    from crank_cli.compose import Project


class ImagePolicy(NamedTuple):
    """When to build and pull: `build` is auto, always or never; `pull` is policy, always, missing or never.

    `quiet_build` hides the output of a build (--quiet-build); its errors still show.
    """

    build: str = "auto"
    pull: str = "policy"
    quiet_build: bool = False


class Observed(NamedTuple):
    """The engine's state of a project before `up` changes anything, read in one parallel round."""

    containers: list[ContainerState]
    networks: set[str]
    volumes: set[str]
    # Each image the services use, by reference: its ID and labels, or None if missing.
    image_facts: dict[str, ImageFacts | None]

    @property
    def images(self) -> dict[str, str | None]:
        """Return each image's ID by reference, or None where the engine lacks the image."""
        return {reference: facts.id if facts else None for reference, facts in self.image_facts.items()}


def observe(project: Project, backend: Backend, services: Iterable[str]) -> Observed:
    """Read the project's containers, networks and volumes, and the services' images, all at once.

    Volumes are read only when the services mount a named volume that crank may create. On
    an engine that keeps the networks its containers are attached to, networks are listed
    only when the containers are not attached to every network the services need. That
    saves a `podman` process on an unchanged project.

    Raise `InvalidProjectError` when an external volume or network that the services use is
    missing, so `up`, `create` and `run` stop before they make anything.
    """
    chosen = list(services)
    found = labels.project_filter(project.name)
    references = sorted({specs.image_name(project, name) for name in chosen})
    with_volumes = _volumes_to_create(project, chosen)
    external_volumes = _external_volumes(project, chosen)
    external_networks = _external_networks(project, chosen)
    from_containers = backend.keeps_attached_networks
    # An external volume or network carries none of crank's labels, so it is looked for in
    # one unfiltered list of each kind, read in the same round as the rest.
    containers, networks, volumes, engine_volumes, engine_networks, *images = call_all([
        lambda: backend.list_containers(labels.container_filter(project.name)),
        lambda: [] if from_containers else backend.list_networks(found),
        lambda: backend.list_volumes(found) if with_volumes else [],
        lambda: backend.list_volumes({}) if external_volumes else [],
        lambda: backend.list_networks({}) if external_networks and not from_containers else [],
        *(partial(backend.image_facts, reference) for reference in references),
    ])
    if from_containers:
        networks = sorted({network for state in containers for network in state.networks})
        needed = {network["name"] for network in _required_networks(project, chosen).values()}
        if not needed <= set(networks):
            networks = backend.list_networks(found)
        if not set(external_networks.values()) <= set(networks):
            engine_networks = backend.list_networks({})
    require_external(backend, "volume", external_volumes, {*engine_volumes, *volumes})
    require_external(backend, "network", external_networks, {*engine_networks, *networks})
    return Observed(
        # One-off containers of `crank run SERVICE` are no replicas of their service, so
        # `up` neither counts, replaces nor removes them, as with docker compose.
        containers=[state for state in containers if state.labels.get(labels.ONE_OFF) != "True"],
        networks=set(networks),
        volumes=set(volumes),
        image_facts=dict(zip(references, images, strict=True)),
    )


def ensure_networks(project: Project, backend: Backend, services: Iterable[str], events: Events,
                    present: set[str], created: list[str]) -> None:
    """Create the non-external networks the services join that do not exist yet.

    Each network's name is appended to `created` as soon as it exists, so a caller that
    catches a failure can remove the ones made before it.
    """
    for key, network in sorted(_required_networks(project, services).items()):
        if network["name"] in present:
            continue
        backend.create_network(network["name"], _network_labels(project.name, key, network), options=_network_options(network))
        created.append(network["name"])
        events.emit(f"network {network['name']}", "created")


def _required_networks(project: Project, services: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return the declarations of the non-external networks the services join, by key."""
    return {key: network for key, network in _joined_networks(project, services).items() if not network.get("external")}


# Networks every engine has: Docker lists them, and Podman takes them as network modes
# without listing them, so they are never looked for.
_BUILT_IN_NETWORKS = frozenset({"bridge", "host", "none"})


def _external_networks(project: Project, services: Iterable[str]) -> dict[str, str]:
    """Return the engine-side name of each external network the services join, by key, built-in ones left out."""
    return {key: network["name"] for key, network in _joined_networks(project, services).items()
            if network.get("external") and network["name"] not in _BUILT_IN_NETWORKS}


def _joined_networks(project: Project, services: Iterable[str]) -> dict[str, dict[str, Any]]:
    declared = project.model.get("networks") or {}
    keys = {key for name in services for key in _network_keys(project.model["services"][name])}
    return {key: declared.get(key) or {"name": f"{project.name}_{key}"} for key in keys}


def check_external(project: Project, backend: Backend, services: Iterable[str]) -> None:
    """Raise `InvalidProjectError` when an external volume or network the services use is missing.

    It reads the engine only for the kinds the services use, so it costs nothing otherwise.
    """
    chosen = list(services)
    volumes = _external_volumes(project, chosen)
    networks = _external_networks(project, chosen)
    present_volumes, present_networks = call_all([
        lambda: backend.list_volumes({}) if volumes else [],
        lambda: backend.list_networks({}) if networks else [],
    ])
    require_external(backend, "volume", volumes, set(present_volumes))
    require_external(backend, "network", networks, set(present_networks))


def require_external(backend: Backend, kind: str, external: dict[str, str], present: set[str]) -> None:
    """Raise `InvalidProjectError` naming each external volume or network (`kind`) not in `present`.

    `external` maps each key under `volumes` or `networks` to the name on the engine.
    """
    section = f"{kind}s"
    missing = [(key, name) for key, name in sorted(external.items()) if name not in present]
    if not missing:
        return
    problems = [f"{section}.{key}: external {kind} \"{name}\" not found on {backend.name}; create it with "
                f"`{backend.binary} {kind} create {name}`, or remove `external` from {section}.{key} "
                "to let crank create it"
                for key, name in missing]
    raise InvalidProjectError("; ".join(problems))


def ensure_volumes(project: Project, backend: Backend, services: Iterable[str], events: Events,
                   present: set[str], created: list[str]) -> None:
    """Create the non-external named volumes the services mount that do not exist yet.

    Each volume's name is appended to `created` as soon as it exists, as in `ensure_networks`.
    """
    for key, volume in _volumes_to_create(project, services).items():
        if volume["name"] in present:
            continue
        if backend.volume_exists(volume["name"]):
            # Made by another tool or by hand: used as it is, and never counted as created.
            events.emit(f"volume {volume['name']}", "exists already, not made by crank; used as it is")
            continue
        backend.create_volume(
            volume["name"],
            {**(volume.get("labels") or {}), **labels.resource_labels(project.name, **{labels.VOLUME: key})},
            driver=volume.get("driver"),
            options=volume.get("driver_opts") or {},
        )
        created.append(volume["name"])
        events.emit(f"volume {volume['name']}", "created")


def _volumes_to_create(project: Project, services: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return the declared, non-external named volumes the services mount, by key, sorted."""
    return {key: volume for key, volume in _mounted_volumes(project, services).items() if not volume.get("external")}


def _external_volumes(project: Project, services: Iterable[str]) -> dict[str, str]:
    """Return the engine-side name of each external named volume the services mount, by key."""
    return {key: volume.get("name") or key for key, volume in _mounted_volumes(project, services).items()
            if volume.get("external")}


def _mounted_volumes(project: Project, services: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return the declarations of the named volumes the services mount, by key, sorted."""
    declared = project.model.get("volumes") or {}
    used = {
        volume.get("source")
        for name in services
        for volume in project.model["services"][name].get("volumes") or ()
        if volume.get("type") == "volume" and volume.get("source")
    }
    return {key: declared[key] for key in sorted(used) if key in declared}


def ensure_bind_paths(project: Project, services: Iterable[str], events: Events) -> None:
    """Create the missing host folders of the binds that Docker Compose creates them for.

    `--mount`, which crank passes, rejects a missing source on Docker and on Podman.
    """
    for name in sorted(services):
        for volume in project.model["services"][name].get("volumes") or ():
            source = volume.get("source")
            if not creates_host_path(volume) or not source or os.path.exists(source):
                continue
            os.makedirs(source, exist_ok=True)
            events.emit(f"folder {source}", "created")


def creates_host_path(volume: dict[str, Any]) -> bool:
    """Tell whether Docker Compose creates a bind's missing source folder.

    Docker Compose 2.40.3 creates it for a short-syntax bind (`bind.create_host_path` true) and
    for a long-syntax bind without a `bind` section, which it passes as a `-v` bind. A `bind`
    section without `create_host_path: true` makes it use the mount API, which rejects a
    missing source.
    """
    if volume.get("type") != "bind":
        return False
    return "bind" not in volume or bool(volume["bind"].get("create_host_path"))


def ensure_images(project: Project, backend: Backend, services: Iterable[str], policy: ImagePolicy,
                  events: Events, found: dict[str, str | None], *, require: bool = True,
                  before_changes: Callable[[], None] | None = None) -> dict[str, str]:
    """Build or pull what the services need; return each service's image ID.

    `found` maps each image the services use to its ID as observed, or None. With `require`,
    an image still missing afterwards is an error; a dry run passes False, because nothing
    it prints was built. `before_changes` is called before the first build or pull, and
    what it raises stops `ensure_images` with nothing made.
    """
    names = sorted(services)
    by_reference: dict[str, list[str]] = {}
    for name in names:
        by_reference.setdefault(specs.image_name(project, name), []).append(name)
    references = sorted(by_reference)
    found = dict(found)
    for reference in references:
        action = _image_action(project, by_reference[reference], policy, present=found[reference] is not None)
        if action is not None:
            if before_changes is not None:
                before_changes()
                before_changes = None
            _make_image(project, backend, reference, by_reference[reference], action, events, quiet_build=policy.quiet_build)
            found[reference] = backend.image_id(reference)
    missing = [reference for reference in references if found[reference] is None]
    if missing and require:
        raise MissingImageError("; ".join(_missing_message(project, reference, by_reference[reference], policy)
                                          for reference in missing))
    return {name: image_id for name in names if (image_id := found[specs.image_name(project, name)])}


def _missing_message(project: Project, reference: str, services: list[str], policy: ImagePolicy) -> str:
    """Return why a missing image was neither built nor pulled, and how to get it."""
    names = " ".join(services)
    subject = f"image {reference} of service {', '.join(services)} is missing"
    if any(project.model["services"][name].get("build") for name in services):
        return f"{subject}, and --no-build keeps crank from building it: run `crank build {names}` first, or drop --no-build"
    if policy.pull == "never":
        return f"{subject}, and --pull never keeps crank from pulling it: run `crank pull {names}` first, or drop --pull never"
    keys = ", ".join(f"services.{name}.pull_policy" for name in services)
    return (f"{subject}, and {keys}: never keeps crank from pulling it: run `crank pull --policy always {names}` "
            "first, or change that pull_policy in the compose file")


def _image_action(project: Project, services: list[str], policy: ImagePolicy, *, present: bool) -> str | None:
    """Return "build", "pull" or None for one image, from the flags and the services' pull_policy."""
    definitions = [project.model["services"][name] for name in services]
    if any(definition.get("build") for definition in definitions):
        if policy.build == "never":
            return None
        rebuild = policy.build == "always" or any(d.get("pull_policy") == "build" for d in definitions)
        return "build" if rebuild or not present else None
    pull = policy.pull
    if pull == "policy":
        policies = {definition.get("pull_policy") or "missing" for definition in definitions}
        if "always" in policies:
            pull = "always"
        elif policies == {"never"}:
            pull = "never"
        else:
            pull = "missing"
    if pull == "always" or (pull in ("missing", "if_not_present") and not present):
        return "pull"
    return None


def _make_image(project: Project, backend: Backend, reference: str, services: list[str], action: str,
                events: Events, *, quiet_build: bool = False) -> None:
    plan = None
    if action == "build":
        name, plan = next((name, plan) for name in services if (plan := specs.build_spec(project, name)))
        specs.require_build_context(name, plan)
    events.emit(f"image {reference}", "building" if action == "build" else "pulling")
    try:
        with interrupted_as_cancelled():
            if plan is not None:
                backend.build_image(plan, quiet=quiet_build)
            else:
                backend.pull_image(reference)
    except EngineError as error:
        events.emit(f"image {reference}", "failed")
        raise _image_error(backend, reference, services, action, error) from None
    events.emit(f"image {reference}", "built" if action == "build" else "pulled")


def _image_error(backend: Backend, reference: str, services: list[str], action: str, error: EngineError) -> ImageError:
    """Return the error of a failed build or pull, naming the services and the fix, as the build and pull verbs do."""
    from crank_cli.operations.transfers import failure_reason, registry_advice

    named = ", ".join(services)
    reason = failure_reason(error)
    if action == "build":
        return ImageError(error, f"service {named}: could not build image {reference} ({reason}); fix the Dockerfile "
                                 f"or services.{services[0]}.build, or run `crank build {services[0]}` to build it alone")
    advice = registry_advice(backend, reference, verb="pull", offer_ignore=False)
    return ImageError(error, f"service {named}: could not pull image {reference} ({reason}). {advice}")


def _network_keys(service: dict[str, Any]) -> list[str]:
    if service.get("network_mode"):
        return []
    return list(service.get("networks") or {"default": None})


def _network_labels(project: str, key: str, network: dict[str, Any]) -> dict[str, str]:
    return {**(network.get("labels") or {}), **labels.resource_labels(project, **{labels.NETWORK: key})}


def _network_options(network: dict[str, Any]) -> dict[str, Any]:
    return {
        "driver": network.get("driver"),
        "internal": bool(network.get("internal")),
        "driver_opts": network.get("driver_opts") or {},
        "attachable": bool(network.get("attachable")),
        "enable_ipv6": bool(network.get("enable_ipv6")),
        "ipam": network.get("ipam") or {},
    }
