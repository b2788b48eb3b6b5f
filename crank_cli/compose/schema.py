"""The structure of a compose file: every key the reference accepts, with its type and print order.

The order of the keys of each `Struct` is the order in which compose-go declares the fields,
which is the order the reference prints them in.
"""

from __future__ import annotations

import posixpath
from typing import Any

from crank_cli.compose.fields import (
    OMIT,
    Anything,
    Boolean,
    Bytes,
    Duration,
    Field,
    FileMode,
    Integer,
    KeyValues,
    ListOf,
    MapOf,
    Number,
    Struct,
    Text,
)
from crank_cli.compose.ports import canonical_ports
from crank_cli.compose.commands import shell_command
from crank_cli.compose.volumes import canonical_volumes
from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

STRINGS = ListOf(Text())
OPTIONS = MapOf(Text(keep_zero=True, numbers=True))


class Command(Field):
    """`command` or `entrypoint`: printed as null when unset, `[]` when set to empty."""

    def convert(self, value: Any, where: Where) -> Any:
        return shell_command(value, where)

    def render(self, value: Any) -> Any:
        return value


class Expose(Field):
    """`expose`: ports or port ranges, printed as strings."""

    def convert(self, value: Any, where: Where) -> Any:
        items = where.expect_list(value)
        for index, item in enumerate(items):
            if isinstance(item, (bool, dict, list)) or item is None:
                raise where.child(index).fail(f"must be a port number or range, not {describe(item)}")
        return [str(item) for item in items]

    def render(self, value: Any) -> Any:
        return value or OMIT


class ExtraHosts(Field):
    """`extra_hosts`: `host:ip` or `host=ip` entries or a mapping, printed sorted as `host=ip`."""

    def convert(self, value: Any, where: Where) -> Any:
        if isinstance(value, dict):
            hosts: list[str] = []
            for host, address in value.items():
                addresses = address if isinstance(address, list) else [address]
                hosts.extend(f"{host}={format_address(item)}" for item in addresses)
            return hosts
        result = []
        for index, entry in enumerate(where.expect_list(value)):
            text = where.child(index).expect_string(entry)
            separator = "=" if "=" in text else ":"
            host, found, address = text.partition(separator)
            if not found:
                raise where.child(index).fail(f"invalid extra host {quote(text)}: use host=address")
            result.append(f"{host}={address}")
        return result

    def render(self, value: Any) -> Any:
        return sorted(value) if value else OMIT


def format_address(value: Any) -> str:
    return "" if value is None else str(value)


class Ulimit(Field):
    """One ulimit: a single number, or `soft` and `hard`."""

    def convert(self, value: Any, where: Where) -> Any:
        if isinstance(value, dict):
            unknown = set(value) - {"soft", "hard"}
            if unknown:
                raise where.fail(f"unknown key {quote(sorted(unknown)[0])}: use soft and hard")
            if "soft" not in value or "hard" not in value:
                raise where.fail("a ulimit mapping needs both soft and hard, or give a single number")
            return {key: Integer().convert(value[key], where.child(key)) for key in ("soft", "hard")}
        return Integer().convert(value, where)

    def render(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: value[key] for key in ("soft", "hard") if value.get(key)}
        return value


class DeviceCount(Field):
    """A device request count: a number, or `all`, which the reference prints as -1."""

    def convert(self, value: Any, where: Where) -> Any:
        if value == "all":
            return -1
        return Integer().convert(value, where)


def _source_only(value: Any, where: Where) -> dict[str, Any]:
    return {"source": where.expect_string(value)}


def _device_short(value: Any, where: Where) -> dict[str, Any]:
    parts = where.expect_string(value).split(":")
    if len(parts) > 3:
        raise where.fail(f"invalid device {quote(value)}: use host:container[:permissions]")
    source = parts[0]
    target = parts[1] if len(parts) > 1 else source
    permissions = parts[2] if len(parts) > 2 else "rwm"
    return {"source": source, "target": target, "permissions": permissions}


def _extends_short(value: Any, where: Where) -> dict[str, Any]:
    return {"service": where.expect_string(value)}


def _build_short(value: Any, where: Where) -> dict[str, Any]:
    return {"context": where.expect_string(value)}


def _env_file_short(value: Any, where: Where) -> dict[str, Any]:
    return {"path": where.expect_string(value), "required": True}


class Ports(Field):
    """`ports`: short syntax expanded to long syntax, then checked entry by entry."""

    entry = Struct(
        {
            "name": Text(),
            "mode": Text(),
            "host_ip": Text(),
            "target": Integer(),
            "published": Text(numbers=True),
            "protocol": Text(),
            "app_protocol": Text(),
        }
    )

    def convert(self, value: Any, where: Where) -> Any:
        long_entries = canonical_ports(value, where)
        return [self.entry.convert(entry, where.child(index)) for index, entry in enumerate(long_entries)]

    def render(self, value: Any) -> Any:
        return [self.entry.render(entry) for entry in value] if value else OMIT


VOLUME_ENTRY = Struct(
    {
        "type": Text(),
        "source": Text(),
        "target": Text(),
        "read_only": Boolean(),
        "consistency": Text(),
        "bind": Struct(
            {"selinux": Text(), "propagation": Text(), "create_host_path": Boolean(), "recursive": Text()}
        ),
        "volume": Struct({"labels": KeyValues(bare=""), "nocopy": Boolean(), "subpath": Text()}),
        "tmpfs": Struct({"size": Bytes(), "mode": Integer()}),
        "image": Struct({"subpath": Text()}),
    }
)


class Volumes(Field):
    """A service's `volumes`: short syntax expanded to long syntax, then checked entry by entry."""

    def convert(self, value: Any, where: Where) -> Any:
        long_entries = canonical_volumes(value, where)
        entries = [VOLUME_ENTRY.convert(entry, where.child(index)) for index, entry in enumerate(long_entries)]
        for entry in entries:
            if entry.get("target"):
                entry["target"] = clean_path(entry["target"])
        return entries

    def render(self, value: Any) -> Any:
        if not value:
            return OMIT
        return [VOLUME_ENTRY.render(entry) for entry in value]


def clean_path(path: str) -> str:
    """Return a container path cleaned as Go's `path.Clean` does: no `.`, `..`, `//` or trailing `/`."""
    if not path:
        return path
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class DependsOn(Field):
    """`depends_on`: a list of names, or a mapping of name to condition, restart and required."""

    entry = Struct(
        {
            "condition": Text(choices=("service_started", "service_healthy", "service_completed_successfully")),
            "restart": Boolean(),
            "required": Boolean(keep_zero=True),
        },
        defaults={"condition": "service_started", "required": True},
    )

    def convert(self, value: Any, where: Where) -> Any:
        if isinstance(value, list):
            names = ListOf(Text(), unique=True).convert(value, where)
            return {name: {"condition": "service_started", "required": True} for name in names}
        mapping = where.expect_mapping(value)
        return {str(name): self.entry.convert(where.child(str(name)).expect_mapping(entry), where.child(str(name))) for name, entry in mapping.items()}

    def render(self, value: Any) -> Any:
        if not value:
            return OMIT
        return {name: self.entry.render(value[name]) for name in sorted(value)}


class ServiceNetworks(Field):
    """A service's `networks`: a list of names, or a mapping of name to attachment options."""

    entry = Struct(
        {
            "aliases": STRINGS,
            "driver_opts": OPTIONS,
            "gw_priority": Integer(),
            "interface_name": Text(),
            "ipv4_address": Text(),
            "ipv6_address": Text(),
            "link_local_ips": STRINGS,
            "mac_address": Text(),
            "priority": Integer(),
        }
    )

    def convert(self, value: Any, where: Where) -> Any:
        if isinstance(value, list):
            return {where.child(index).expect_string(name): None for index, name in enumerate(value)}
        mapping = where.expect_mapping(value)
        return {str(name): self.entry.convert(entry, where.child(str(name))) for name, entry in mapping.items()}

    def render(self, value: Any) -> Any:
        if not value:
            return OMIT
        return {name: (None if value[name] is None else self.entry.render(value[name])) for name in sorted(value)}


class EnvFiles(Field):
    """`env_file`: paths, or mappings with path, required and format."""

    entry = Struct({"path": Text(), "required": Boolean(keep_zero=True), "format": Text()}, short=_env_file_short, required=("path",), defaults={"required": True})

    def convert(self, value: Any, where: Where) -> Any:
        entries = [value] if isinstance(value, str) else where.expect_list(value)
        return [self.entry.convert(entry, where.child(index)) for index, entry in enumerate(entries)]

    def render(self, value: Any) -> Any:
        return [self.entry.render(entry) for entry in value] if value else OMIT


class HealthcheckTest(Field):
    """`healthcheck.test`: a shell command string, or a list of strings such as `["CMD", "curl"]`."""

    def convert(self, value: Any, where: Where) -> Any:
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise where.fail(f"must be a string or a list, not {describe(value)}")
        return ListOf(Text()).convert(value, where)

    def render(self, value: Any) -> Any:
        return OMIT if value is None else value


class Healthcheck(Struct):
    """`healthcheck`, where a string `test` means `["CMD-SHELL", test]`."""

    def convert(self, value: Any, where: Where) -> Any:
        result = super().convert(value, where)
        if result is not None and isinstance(result.get("test"), str):
            result["test"] = ["CMD-SHELL", result["test"]]
        return result


DEVICE_REQUEST = Struct(
    {"capabilities": STRINGS, "driver": Text(), "count": DeviceCount(), "device_ids": STRINGS, "options": OPTIONS}
)


class ServiceModels(Field):
    """A service's `models`: a list of model names, or a mapping of name to options."""

    def convert(self, value: Any, where: Where) -> Any:
        if isinstance(value, list):
            return {name: None for name in ListOf(Text()).convert(value, where)}
        return dict(where.expect_mapping(value))

    def render(self, value: Any) -> Any:
        return {name: value[name] for name in sorted(value)} if value else OMIT


class ProviderOption(Field):
    """One option of a service provider: a value or a list of values, printed as a list of strings."""

    def convert(self, value: Any, where: Where) -> Any:
        values = value if isinstance(value, list) else [value]
        return [Text(numbers=True).convert(item, where) for item in values]


class Gpus(Field):
    """`gpus`: `all`, which means one request for every GPU, or a list of device requests."""

    def convert(self, value: Any, where: Where) -> Any:
        if value == "all":
            return [{"count": -1}]
        return ListOf(DEVICE_REQUEST).convert(value, where)

    def render(self, value: Any) -> Any:
        return [DEVICE_REQUEST.render(entry) for entry in value] if value else OMIT
RESOURCE = Struct(
    {
        "cpus": Number(),
        "memory": Bytes(strings_only=True),
        "pids": Integer(),
        "devices": ListOf(DEVICE_REQUEST),
        "generic_resources": ListOf(Struct({"discrete_resource_spec": Struct({"kind": Text(), "value": Integer()})})),
    }
)
UPDATE_CONFIG = Struct(
    {
        "parallelism": Integer(keep_zero=True),
        "delay": Duration(),
        "failure_action": Text(),
        "monitor": Duration(),
        "max_failure_ratio": Number(),
        "order": Text(),
    }
)
DEPLOY = Struct(
    {
        "mode": Text(),
        "replicas": Integer(keep_zero=True, minimum=0),
        "labels": KeyValues(bare=""),
        "update_config": UPDATE_CONFIG,
        "rollback_config": UPDATE_CONFIG,
        "resources": Struct({"limits": RESOURCE, "reservations": RESOURCE}, always=True),
        "restart_policy": Struct(
            {
                "condition": Text(),
                "delay": Duration(keep_zero=True),
                "max_attempts": Integer(keep_zero=True),
                "window": Duration(keep_zero=True),
            }
        ),
        "placement": Struct(
            {
                "constraints": STRINGS,
                "preferences": ListOf(Struct({"spread": Text()})),
                "max_replicas_per_node": Integer(),
            },
            always=True,
        ),
        "endpoint_mode": Text(),
    }
)
BUILD = Struct(
    {
        "context": Text(),
        "dockerfile": Text(),
        "dockerfile_inline": Text(),
        "entitlements": STRINGS,
        "args": KeyValues(),
        "ssh": Anything(),
        "labels": KeyValues(bare=""),
        "cache_from": STRINGS,
        "cache_to": STRINGS,
        "no_cache": Boolean(),
        "additional_contexts": KeyValues(bare=""),
        "pull": Boolean(),
        "extra_hosts": ExtraHosts(),
        "isolation": Text(),
        "network": Text(),
        "target": Text(),
        "secrets": ListOf(Struct({"source": Text(), "target": Text(), "uid": Text(), "gid": Text(), "mode": FileMode()}, short=_source_only)),
        "shm_size": Bytes(),
        "tags": STRINGS,
        "ulimits": MapOf(Ulimit()),
        "platforms": STRINGS,
        "privileged": Boolean(),
        "provenance": Text(),
        "sbom": Text(),
    },
    short=_build_short,
)
FILE_REFERENCE = Struct(
    {"source": Text(), "target": Text(), "uid": Text(), "gid": Text(), "mode": FileMode()}, short=_source_only
)
class GoFieldNames(Struct):
    """A struct that compose-go declares without JSON names, so Go prints its field names: `Path`."""

    def render(self, value: Any) -> Any:
        rendered = super().render(value)
        return {key.capitalize(): item for key, item in rendered.items()}


THROTTLE_DEVICE = GoFieldNames({"path": Text(), "rate": Bytes()})
WEIGHT_DEVICE = GoFieldNames({"path": Text(), "weight": Integer()})
HOOK = Struct(
    {"command": Command(), "user": Text(), "privileged": Boolean(), "working_dir": Text(), "environment": KeyValues()}
)

SERVICE_FIELDS: dict[str, Field] = {
    "profiles": STRINGS,
    "annotations": KeyValues(bare=""),
    "attach": Boolean(keep_zero=True),
    "build": BUILD,
    "develop": Struct(
        {
            "watch": ListOf(
                Struct(
                    {
                        "path": Text(),
                        "action": Text(choices=("rebuild", "sync", "restart", "sync+restart", "sync+exec")),
                        "target": Text(),
                        "exec": Struct({"command": Command(), "user": Text(), "privileged": Boolean(), "working_dir": Text(), "environment": KeyValues()}),
                        "ignore": STRINGS,
                        "include": STRINGS,
                        "initial_sync": Boolean(),
                    },
                    required=("path", "action"),
                    defaults={"exec": {"command": None}},
                )
            )
        }
    ),
    "blkio_config": Struct(
        {
            "weight": Integer(),
            "weight_device": ListOf(WEIGHT_DEVICE),
            "device_read_bps": ListOf(THROTTLE_DEVICE),
            "device_read_iops": ListOf(THROTTLE_DEVICE),
            "device_write_bps": ListOf(THROTTLE_DEVICE),
            "device_write_iops": ListOf(THROTTLE_DEVICE),
        }
    ),
    "cap_add": STRINGS,
    "cap_drop": STRINGS,
    "cgroup_parent": Text(),
    "cgroup": Text(choices=("host", "private")),
    "cpu_count": Integer(minimum=0),
    "cpu_percent": Number(),
    "cpu_period": Integer(),
    "cpu_quota": Integer(),
    "cpu_rt_period": Integer(),
    "cpu_rt_runtime": Integer(),
    "cpus": Number(),
    "cpuset": Text(),
    "cpu_shares": Integer(),
    "command": Command(),
    "configs": ListOf(FILE_REFERENCE),
    "container_name": Text(),
    "credential_spec": Struct({"config": Text(), "file": Text(), "registry": Text()}),
    "depends_on": DependsOn(),
    "deploy": DEPLOY,
    "device_cgroup_rules": STRINGS,
    "devices": ListOf(Struct({"source": Text(), "target": Text(), "permissions": Text()}, short=_device_short)),
    "dns": ListOf(Text(), single=True),
    "dns_opt": STRINGS,
    "dns_search": ListOf(Text(), single=True),
    "domainname": Text(),
    "entrypoint": Command(),
    "provider": Struct({"type": Text(), "options": MapOf(ProviderOption())}),
    "environment": KeyValues(),
    "env_file": EnvFiles(),
    "expose": Expose(),
    "extends": Struct({"file": Text(), "service": Text()}, short=_extends_short, required=("service",)),
    "external_links": STRINGS,
    "extra_hosts": ExtraHosts(),
    "group_add": ListOf(Text(numbers=True)),
    "gpus": Gpus(),
    "hostname": Text(),
    "healthcheck": Healthcheck(
        {
            "test": HealthcheckTest(),
            "timeout": Duration(keep_zero=True),
            "interval": Duration(keep_zero=True),
            "retries": Integer(keep_zero=True, minimum=0),
            "start_period": Duration(keep_zero=True),
            "start_interval": Duration(keep_zero=True),
            "disable": Boolean(),
        }
    ),
    "image": Text(),
    "init": Boolean(keep_zero=True),
    "ipc": Text(),
    "isolation": Text(),
    "labels": KeyValues(bare="", allow_null=False),
    "label_file": ListOf(Text(), single=True),
    "links": STRINGS,
    "logging": Struct({"driver": Text(), "options": OPTIONS}),
    "mem_limit": Bytes(),
    "mem_reservation": Bytes(),
    "memswap_limit": Bytes(),
    "mem_swappiness": Bytes(),
    "mac_address": Text(),
    "models": ServiceModels(),
    "network_mode": Text(),
    "networks": ServiceNetworks(),
    "oom_kill_disable": Boolean(),
    "oom_score_adj": Integer(minimum=-1000, maximum=1000),
    "pid": Text(),
    "pids_limit": Integer(),
    "platform": Text(),
    "ports": Ports(),
    "privileged": Boolean(),
    "pull_policy": Text(),
    "read_only": Boolean(),
    "restart": Text(),
    "runtime": Text(),
    "scale": Integer(keep_zero=True, minimum=0),
    "secrets": ListOf(FILE_REFERENCE),
    "security_opt": STRINGS,
    "shm_size": Bytes(),
    "stdin_open": Boolean(),
    "stop_grace_period": Duration(keep_zero=True),
    "stop_signal": Text(),
    "storage_opt": OPTIONS,
    "sysctls": KeyValues(bare=""),
    "tmpfs": ListOf(Text(), single=True),
    "tty": Boolean(),
    "ulimits": MapOf(Ulimit()),
    "use_api_socket": Boolean(),
    "user": Text(),
    "userns_mode": Text(),
    "uts": Text(),
    "volumes": Volumes(),
    "volumes_from": STRINGS,
    "working_dir": Text(),
    "post_start": ListOf(HOOK),
    "pre_stop": ListOf(HOOK),
}

SERVICE = Struct(SERVICE_FIELDS)

EXTERNAL = Boolean()
NETWORK = Struct(
    {
        "name": Text(),
        "driver": Text(),
        "driver_opts": OPTIONS,
        "ipam": Struct(
            {
                "driver": Text(),
                "config": ListOf(
                    Struct({"subnet": Text(), "gateway": Text(), "ip_range": Text(), "aux_addresses": OPTIONS})
                ),
            },
            always=True,
            ignored=("options",),
        ),
        "external": EXTERNAL,
        "internal": Boolean(),
        "attachable": Boolean(),
        "labels": KeyValues(bare=""),
        "enable_ipv4": Boolean(keep_zero=True),
        "enable_ipv6": Boolean(keep_zero=True),
    },
    keep_extensions=True,
)
VOLUME = Struct(
    {"name": Text(), "driver": Text(), "driver_opts": OPTIONS, "external": EXTERNAL, "labels": KeyValues(bare="")},
    keep_extensions=True,
)
FILE_OBJECT = Struct(
    {
        "name": Text(),
        "file": Text(),
        "environment": Text(),
        "content": Text(),
        "external": EXTERNAL,
        "labels": KeyValues(bare=""),
        "driver": Text(),
        "driver_opts": OPTIONS,
        "template_driver": Text(),
    },
    keep_extensions=True,
)
TOP_LEVEL_RESOURCES: dict[str, Struct] = {
    "networks": NETWORK,
    "volumes": VOLUME,
    "secrets": FILE_OBJECT,
    "configs": FILE_OBJECT,
}


def legacy_external(resource: Any) -> Any:
    """Turn the old `external: {name: x}` form into `external: true` with `name: x`."""
    if isinstance(resource, dict) and isinstance(resource.get("external"), dict):
        legacy = resource["external"]
        resource = {**resource, "external": True}
        if legacy.get("name"):
            resource["name"] = legacy["name"]
    return resource
