"""Build steps that pyproject.toml cannot declare: the source tree's top-level `templates/`,
`static/` and `migrations/` become `portfolio/templates`, `portfolio/static` and
`portfolio/migrations` in the built package, and the translation catalogues are compiled
(`.po` -> `.mo`) into it. Everything else is declared in pyproject.toml.

Why a `package_dir` mapping: it is setuptools' own declarative way to take a package's files
from another folder, so the source tree keeps the layout the project documents, an editable
install (`make run`, `make test`) reads the folders where they are, and a wheel carries them
inside the package, where the app finds them wherever it is installed.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
MAPPED = {"portfolio.templates": "templates", "portfolio.static": "static",
          "portfolio.migrations": "migrations"}


class build_py_with_catalogues(build_py):
    """Copy the package, then compile each `messages.po` beside it into `messages.mo`."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "portfolio" / "translations").glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po.relative_to(HERE).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as out:
                write_mo(out, catalog)


def data_packages(name: str, folder: str) -> list[str]:
    """A mapped folder and each of its subfolders, as (namespace) packages of data."""
    found = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [name, *(f"{name}.{sub}" for sub in found)]


packages = find_namespace_packages(include=["portfolio", "portfolio.*"],
                                   exclude=["*__pycache__*"])
for name, folder in MAPPED.items():
    packages += data_packages(name, folder)

setup(
    packages=packages,
    package_dir={"": ".", **MAPPED},
    package_data={name: ["*"] for name in packages},
    exclude_package_data={name: ["*.pyc"] for name in packages},
    cmdclass={"build_py": build_py_with_catalogues},
)
