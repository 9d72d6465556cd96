"""The print stage's URL fetcher serves only the print theme and the fonts, whatever
the URL's encoding (security review 2026-11, D13: ``%2e%2e`` and ``..%2f`` forms
reached /etc/passwd)."""

from __future__ import annotations

import pytest

from generator.pdf import PRINT_THEME, _fetcher

THEME = PRINT_THEME.resolve()


@pytest.mark.parametrize(
    "url",
    [
        f"file://{THEME}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"file://{THEME}/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
        f"file://{THEME}/%252e%252e/%252e%252e/etc/passwd",
        f"file://{THEME}/..\\..\\..\\etc\\passwd",
        f"file://{THEME}/../../../../../../etc/passwd",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        f"file://evil.example{THEME}/config.yaml",
        "http://127.0.0.1:1/x.css",
        "data:text/plain,secret",
    ],
)
def test_fetcher_refuses_everything_outside_the_theme(url):
    with pytest.raises(ValueError, match="the pocket guide fetches only its theme and fonts"):
        _fetcher().fetch(url)


def test_fetcher_serves_a_theme_file_also_when_percent_encoded():
    name = "config.yaml"
    for url in (f"file://{THEME}/{name}", f"file://{THEME}/%63onfig.yaml"):
        result = _fetcher().fetch(url)
        body = result.read() if hasattr(result, "read") else result.get("string") or result["file_obj"].read()
        assert b"weight_bands" in body or b"font" in body
