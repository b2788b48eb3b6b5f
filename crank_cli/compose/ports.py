"""Turn `ports` entries into the long syntax the reference prints.

The short syntax is `[ip:][host:]container[/protocol]`, where `host` and `container` may be
ranges. It is parsed with the rules of Docker's `nat.ParsePortSpec`. Ranges of equal length
pair up one to one, and a host range with a single container port stays a range to pick
from. The resulting entries are sorted by their `port/protocol` text, as the reference does.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

_PROTOCOLS = ("tcp", "udp", "sctp")


def canonical_ports(value: Any, where: Where) -> list[dict[str, Any]]:
    """Return every entry of a service's `ports` in long syntax."""
    result: list[dict[str, Any]] = []
    for index, entry in enumerate(where.expect_list(value)):
        here = where.child(index)
        if isinstance(entry, dict):
            result.append(_long_port(entry, here))
        elif isinstance(entry, (str, int)) and not isinstance(entry, bool):
            result.extend(parse_port_spec(str(entry), here))
        else:
            raise here.fail(f"invalid port {describe(entry)}: use \"[ip:][host:]container[/protocol]\" or a mapping")
    return result


def _long_port(entry: dict[str, Any], where: Where) -> dict[str, Any]:
    port: dict[str, Any] = {}
    for key in ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"):
        if entry.get(key) is not None:
            port[key] = entry[key]
    unknown = sorted(set(entry) - set(port) - {"name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"})
    if unknown and not all(key.startswith("x-") for key in unknown):
        raise where.fail(f"unknown key {quote(unknown[0])} in a port mapping")
    port.setdefault("mode", "ingress")
    port.setdefault("protocol", "tcp")
    if "target" not in port:
        raise where.fail('missing "target": set it to the port the container listens on')
    port["target"] = _port_number(port["target"], where.child("target"))
    if port["target"] == 0:
        # docker compose 2.40.3 accepts `target: 0` here but rejects "8080:0", and Podman 4.3
        # cannot publish to container port 0, so crank rejects both forms.
        raise where.child("target").fail("invalid target port 0: set it to the port the container listens on")
    if "published" in port:
        published = port["published"]
        if isinstance(published, bool) or not isinstance(published, (str, int)):
            raise where.child("published").fail(f"invalid published port {describe(published)}")
        port["published"] = str(published)
    return _ordered(port)


def _port_number(value: Any, where: Where) -> int:
    if isinstance(value, bool):
        raise where.fail(f"invalid port number {describe(value)}")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise where.fail(f"invalid port number {describe(value)}: use a positive integer")


_KEY_ORDER = ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")


def _ordered(port: dict[str, Any]) -> dict[str, Any]:
    return {key: port[key] for key in _KEY_ORDER if key in port}


def parse_port_spec(spec: str, where: Where) -> list[dict[str, Any]]:
    """Parse one short-syntax port; raise InvalidProjectError naming `where` when invalid."""
    try:
        return _parse(spec)
    except ValueError as error:
        raise where.fail(f"invalid port {quote(spec)}: {error}") from None


def _split_parts(spec: str) -> tuple[str, str, str]:
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _split_protocol(container: str) -> tuple[str, str]:
    parts = container.split("/")
    if not container or not parts[0]:
        return "", ""
    if len(parts) == 1 or not parts[1]:
        return "tcp", parts[0]
    return parts[1], parts[0]


def _parse_range(text: str, role: str) -> tuple[int, int]:
    bounds = text.split("-")
    try:
        if len(bounds) == 1:
            start = end = _parse_uint16(bounds[0])
        else:
            start, end = _parse_uint16(bounds[0]), _parse_uint16(bounds[1])
    except ValueError:
        raise ValueError(f"invalid {role} port {quote(text)}") from None
    if end < start:
        raise ValueError(f"invalid {role} port range {quote(text)}: the end is below the start")
    return start, end


def _parse_uint16(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(text)
    number = int(text)
    if number > 65535:
        raise ValueError(text)
    return number


def _parse_ip(host_ip: str) -> str:
    if host_ip.startswith("["):
        if not host_ip.endswith("]"):
            raise ValueError(f"invalid IP address {quote(host_ip)}")
        host_ip = host_ip[1:-1]
    if host_ip:
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise ValueError(f"invalid IP address {quote(host_ip)}") from None
    return host_ip


def _parse(spec: str) -> list[dict[str, Any]]:
    host_ip, host, container = _split_parts(spec)
    protocol, container = _split_protocol(container)
    host_ip = _parse_ip(host_ip)
    if not container:
        raise ValueError("no container port given")
    start, end = _parse_range(container, "container")
    if start == 0:
        raise ValueError("set the container port to the port the container listens on, not 0")
    host_start, host_end = _parse_range(host, "host") if host else (0, 0)
    if host and end - start != host_end - host_start and end != start:
        raise ValueError("the host and container port ranges differ in length")
    if protocol.lower() not in _PROTOCOLS:
        raise ValueError(f"invalid protocol {quote(protocol)}: use tcp, udp or sctp")
    entries = []
    for offset in range(end - start + 1):
        published = ""
        if host:
            published = str(host_start + offset)
            if start == end and host_start != host_end:
                published = f"{host_start}-{host_end}"
        entries.append((f"{start + offset}/{protocol.lower()}", start + offset, published))
    entries.sort(key=lambda entry: entry[0])
    return [_short_entry(host_ip, target, published, protocol.lower()) for _, target, published in entries]


def _short_entry(host_ip: str, target: int, published: str, protocol: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"mode": "ingress"}
    if host_ip:
        entry["host_ip"] = host_ip
    entry["target"] = target
    if published:
        entry["published"] = published
    entry["protocol"] = protocol
    return entry
