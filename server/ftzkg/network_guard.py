"""The one rule for every URL the server would fetch: SERVICE endpoints, LOAD sources, FROM.

pyoxigraph always executes ``SERVICE`` and ``LOAD`` over HTTP and cannot be stopped once it
starts, so a public endpoint that passed such text straight to it would be a proxy into the
network it runs in (cloud metadata services, admin ports on loopback, the private LAN). This
module decides, before any text reaches the engine, whether a URL may be fetched:

* only endpoints the operator listed (``FTZKG_SERVICE_ALLOWLIST``) may be reached at all;
  an empty list (the default) means federation is off;
* a listed endpoint whose host is a *name* is resolved, and refused if any address it resolves
  to is loopback, private, link-local, shared, reserved, multicast or a known metadata address;
* a listed endpoint whose host is written as an IP address literal is the operator's explicit
  choice and is allowed whatever the address (the way to allow a loopback test endpoint).

The check happens before any connection, so a refused query or update never touches the
network. Resolution happens again inside pyoxigraph when it connects; a name whose records
change in between (DNS rebinding) is the residual risk of allowing names, which is why the
allowlist names exact endpoints rather than domains.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ftzkg.errors import QueryNotAllowed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

METADATA_ADDRESSES: frozenset[IpAddress] = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack instance metadata
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud metadata
        "fd00:ec2::254",  # AWS instance metadata over IPv6
    )
)
"""Instance-metadata services: handing out credentials is what makes SSRF dangerous."""

FETCHABLE_SCHEMES = ("http", "https")


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as the system resolver (and so the engine) sees it."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public_address(address: IpAddress) -> bool:
    """True only for globally routable unicast addresses that are not metadata services."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast and address not in METADATA_ADDRESSES


def normalise_endpoint(url: str) -> str:
    """The form endpoints are compared in: scheme and host lower-cased, the rest as written."""
    parts = urlsplit(url.strip())
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class NetworkGuard:
    """Says yes or no to each URL the engine would fetch, before it fetches anything."""

    allowlist: tuple[str, ...] = ()
    resolver: Resolver = field(default=resolve_host, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "allowlist", tuple(normalise_endpoint(url) for url in self.allowlist)
        )

    @property
    def federation_enabled(self) -> bool:
        return bool(self.allowlist)

    def check_url(self, url: str, purpose: str = "SERVICE") -> None:
        """Raise ``QueryNotAllowed`` unless the engine may connect to ``url``.

        ``purpose`` names the construct in the message (``SERVICE``, ``LOAD``, ``FROM``).
        """
        if not self.federation_enabled:
            raise QueryNotAllowed(
                f"{purpose} <{url}> refused: this endpoint does not fetch remote data "
                "(federated queries are disabled; an operator can allow endpoints with "
                "FTZKG_SERVICE_ALLOWLIST)"
            )
        endpoint = normalise_endpoint(url)
        if endpoint not in self.allowlist:
            raise QueryNotAllowed(
                f"{purpose} <{url}> refused: the endpoint is not in the server's allowlist "
                f"(allowed: {', '.join(self.allowlist)})"
            )
        parts = urlsplit(endpoint)
        if parts.scheme not in FETCHABLE_SCHEMES or not parts.hostname:
            raise QueryNotAllowed(f"{purpose} <{url}> refused: only http(s) URLs can be fetched")
        if _literal_address(parts.hostname) is not None:
            return  # the operator wrote this very address into the allowlist
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise QueryNotAllowed(f"{purpose} <{url}> refused: its port is not a number") from None
        self._check_resolved_addresses(url, purpose, parts.hostname, port)

    def _check_resolved_addresses(self, url: str, purpose: str, host: str, port: int) -> None:
        try:
            addresses = self.resolver(host, port)
        except (OSError, ValueError) as error:
            raise QueryNotAllowed(
                f"{purpose} <{url}> refused: its host {host!r} does not resolve ({error})"
            ) from None
        if not addresses:
            raise QueryNotAllowed(f"{purpose} <{url}> refused: its host {host!r} has no address")
        for address in addresses:
            if not is_public_address(ipaddress.ip_address(address.split("%", 1)[0])):
                raise QueryNotAllowed(
                    f"{purpose} <{url}> refused: its host {host!r} resolves to {address}, a "
                    "loopback, private, link-local or metadata address (allow it by writing "
                    "the address itself into FTZKG_SERVICE_ALLOWLIST)"
                )

    def check_urls(self, urls: Iterable[str], purpose: str = "SERVICE") -> None:
        """Check each URL; the first refused one raises."""
        for url in urls:
            self.check_url(url, purpose)

    def refuse_variable_endpoint(self, purpose: str = "SERVICE") -> None:
        """A ``SERVICE ?var`` endpoint is only known while evaluating: never allowed."""
        raise QueryNotAllowed(
            f"{purpose} with a variable endpoint refused: the endpoint must be an IRI "
            "the server can check before running the query"
        )
