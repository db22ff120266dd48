"""Loaders: every template format into the one project model.

Each loader module is imported only when a file of its format exists (cfn-lint and hcl2 are
slow to import). A loader never raises on bad input: it adds LL002 findings to the project.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from lambdalint.model import Project


def load_template(path: Path, data: bytes, project: Project) -> None:
    from lambdalint.loaders import cloudformation

    cloudformation.load(path, data, project)


def load_serverless(path: Path, data: bytes, project: Project) -> None:
    module = _optional("lambdalint.loaders.serverless")
    if module is not None:
        module.load(path, data, project)


def load_terraform(folder: Path, project: Project) -> None:
    module = _optional("lambdalint.loaders.terraform")
    if module is not None:
        module.load_dir(folder, project)


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
