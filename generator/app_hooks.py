"""MkDocs hooks of the offline app (mkdocs.yml ``hooks:``): see generator/offline_app.py.

A separate hooks file, so the app is one stage with one entry point and the
generator's own hooks (generator/mkdocs_hooks.py) do not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

from generator import build, offline_app

__all__ = ["on_config", "on_post_build", "on_shutdown", "on_startup"]


def on_startup(*, command: str, dirty: bool) -> None:
    """The preview gets no service worker: it would show a stored edition, not the edit."""
    offline_app.set_previewing(command == "serve")


def on_shutdown() -> None:
    """The preview has ended: a build later in this process gets its app."""
    offline_app.set_previewing(False)


@event_priority(-110)  # after generator/mkdocs_hooks.py has prepared the handbook
def on_config(config: Any) -> Any:
    """Tell the templates whether pages link the app, and the edition they carry."""
    meta = build.hook_context(config).handbook.meta
    config.extra["handbook_app"] = offline_app.template_data(config, meta)
    return config


@event_priority(-110)  # last: after the search index, the offline plugin and manifest.json
def on_post_build(config: Any) -> None:
    app = config.extra.get("handbook_app") or {}
    if not app.get("enabled"):
        return
    meta = build.hook_context(config).handbook.meta
    offline_app.write_app(
        Path(config.site_dir), meta, app["theme_colour"], languages=offline_app.search_languages(config)
    )
