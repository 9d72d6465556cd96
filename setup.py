"""The wheel carries, inside the package, the repository files the tool needs at run
time: the theme (templates, print styles, scripts, stylesheets), the site's MkDocs
configuration, the authoring guide and the sample handbook. In the repository they stay
where a reader looks for them (theme/, mkdocs.yml, docs/, content/);
generator/project.py finds them in either place. Everything else is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# repository path -> path inside the installed package `generator`
CARRIED = {
    "theme": "theme",
    "mkdocs.yml": "theme/mkdocs.yml",
    "docs/authoring.md": "guide/authoring.md",
    "content": "sample",
}


class BuildWithToolFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the repository
        for source, target in CARRIED.items():
            destination = Path(self.build_lib) / "generator" / target
            if Path(source).is_dir():
                self.copy_tree(source, str(destination))
            else:
                self.mkpath(str(destination.parent))
                self.copy_file(source, str(destination))


setup(cmdclass={"build_py": BuildWithToolFiles})
