"""The Content-Security-Policy the build computes (generator/csp.py) and the hosting
lines the README gives for it. The browser proof is tests/test_security_browser.py."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from generator.csp import inline_script_hashes, read_policy, site_policy, write_headers

ROOT = Path(__file__).resolve().parent.parent


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_policy_allows_exactly_the_inline_scripts_by_hash(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<script>var a=1</script><script src="x.js"></script><script id="__config" type="application/json">{}</script>'
    )
    (tmp_path / "a" / "index.html").write_text("<SCRIPT >\nvar b=2\n</script >")
    assert inline_script_hashes(tmp_path) == sorted([sha("var a=1"), sha("\nvar b=2\n")])
    policy = site_policy(tmp_path)
    assert policy.startswith(
        f"default-src 'none'; script-src 'self' {' '.join(sorted([sha('var a=1'), sha(chr(10) + 'var b=2' + chr(10))]))};"
    )
    assert "img-src 'self';" in policy  # no data: without a stylesheet that needs it
    (tmp_path / "theme.css").write_text('.icon{mask-image:url("data:image/svg+xml;charset=utf-8,<svg/>")}')
    assert "img-src 'self' data:;" in site_policy(tmp_path)
    write_headers(tmp_path)
    assert read_policy(tmp_path) == site_policy(tmp_path)
    assert "unsafe" not in read_policy(tmp_path)


def test_readme_gives_the_headers_for_nginx_apache_and_iis():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Content-Security-Policy.**", 1)[1].split("\n## ", 1)[0]
    assert 'add_header Content-Security-Policy "POLICY" always;' in section
    assert 'Header always set Content-Security-Policy "POLICY"' in section
    assert '<add name="Content-Security-Policy" value="POLICY" />' in section
    assert "site/_headers" in section
