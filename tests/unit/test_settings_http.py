"""The ``http:`` settings for HTTPS, reverse proxies and the login throttle: errors name the key path."""
from __future__ import annotations

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import settings_from_mapping


@pytest.mark.parametrize("http,path", [
    ({"public_url": "https://cc.example/console"}, "http.public_url"),
    ({"public_url": "ftp://cc.example"}, "http.public_url"),
    ({"public_url": "http://cc.example:99999"}, "http.public_url"),
    ({"trusted_proxies": ["proxy.local"]}, "http.trusted_proxies"),
    ({"client_address_header": "X Forwarded"}, "http.client_address_header"),
    ({"proto_header": ""}, "http.proto_header"),
    ({"login_failures": 0}, "http.login_failures"),
    ({"login_window_seconds": 0}, "http.login_window_seconds"),
    ({"hsts_seconds": -1}, "http.hsts_seconds"),
])
def test_a_wrong_http_setting_names_its_key(http: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError, match=f"at {path}:"):
        settings_from_mapping({"http": http}, env={})


def test_good_http_settings_load() -> None:
    http = settings_from_mapping({"http": {"public_url": "https://cc.example/", "trusted_proxies": ["10.0.0.0/8", "::1"],
                                           "login_failures": 3}}, env={}).http
    assert http.public_url == "https://cc.example"
    assert http.trusted_proxies == ("10.0.0.0/8", "::1")
