"""console.site: Origin parsing, the same-origin check (scheme, host, port), the client address."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from callcenter.settings import HttpSettings
from console.site import Origin, Site, parse_origin


@pytest.mark.parametrize("value,expected", [
    ("http://cc.example:8080", Origin("http", "cc.example", 8080)),
    ("https://CC.example", Origin("https", "cc.example", 443)),
    ("http://[::1]:80/path?q", Origin("http", "::1", 80)),
    ("http://a:99999", None), ("http://a:x", None), ("http://[::1", None), ("null", None), ("", None),
    ("ftp://a", None), ("http://user@a", None), ("http://", None), ("http://a:0", None), ("h" * 5000, None),
])
def test_parse_origin_never_raises(value: str, expected: Origin | None) -> None:
    assert parse_origin(value) == expected


def request(headers: dict[str, str], *, peer: str = "127.0.0.1") -> object:
    class Transport:
        def get_extra_info(self, name: str, default: object = None) -> object:
            return (peer, 5555) if name == "peername" else default

        def is_closing(self) -> bool:
            return False

    return make_mocked_request("POST", "/login", headers=headers, transport=Transport())


def test_the_origin_check_compares_scheme_host_and_port() -> None:
    site = Site(HttpSettings())
    host = {"Host": "cc.example:8080"}
    assert site.same_origin(request({**host, "Origin": "http://cc.example:8080"}))
    assert not site.same_origin(request({**host, "Origin": "https://cc.example:8080"}))
    assert not site.same_origin(request({**host, "Origin": "http://cc.example:8081"}))
    assert not site.same_origin(request({**host, "Origin": "http://evil.example:8080"}))
    assert not site.same_origin(request({**host, "Origin": "http://cc.example:99999"}))
    assert not site.same_origin(request(host))


def test_public_url_is_the_site_and_means_https() -> None:
    site = Site(HttpSettings(public_url="https://cc.example"))
    req = request({"Host": "127.0.0.1:8080", "Origin": "https://cc.example"})
    assert site.same_origin(req) and site.is_https(req)
    assert not site.same_origin(request({"Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:8080"}))


def test_form_posts_fall_back_to_referer_and_refuse_neither() -> None:
    site = Site(HttpSettings())
    host = {"Host": "cc.example"}
    assert site.form_post_allowed(request({**host, "Referer": "http://cc.example/login?x=1"}))
    assert not site.form_post_allowed(request({**host, "Referer": "http://evil.example/login"}))
    assert not site.form_post_allowed(request(host))
    assert not site.form_post_allowed(request({**host, "Origin": "null", "Referer": "http://cc.example/"}))


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy() -> None:
    site = Site(HttpSettings(trusted_proxies=("10.0.0.0/8",)))
    spoofed = {"Host": "cc.example", "X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}
    direct = request(spoofed, peer="198.51.100.7")
    assert site.client_address(direct) == "198.51.100.7"
    assert not site.is_https(direct)
    proxied = request({**spoofed, "X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.1.1.1"}, peer="10.0.0.2")
    assert site.client_address(proxied) == "203.0.113.9"     # right to left, past our own proxies
    assert site.is_https(proxied)
    broken = request({**spoofed, "X-Forwarded-For": "not-an-ip"}, peer="10.0.0.2")
    assert site.client_address(broken) == "10.0.0.2"
