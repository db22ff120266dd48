"""Configuration: ``[tool.lambdalint]`` in pyproject.toml, or ``lambdalint.toml`` / ``.lambdalint.toml``.

The nearest file walking up from the first path wins; command-line options override it.
Unknown keys, unknown rule ids and badly typed values are errors (exit 2), never ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from lambdalint.model import Severity
from lambdalint.registry import all_rules

CONFIG_FILES = (".lambdalint.toml", "lambdalint.toml", "pyproject.toml")

TOP_LEVEL_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "fail-on",
    "severity",
    "respect-gitignore",
    "cache",
}


class ConfigError(Exception):
    """A configuration problem the user must fix (exit 2)."""


@dataclass
class Config:
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: list[tuple[str, pathspec.PathSpec, frozenset[str]]] = field(default_factory=list)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    severity: dict[str, Severity] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    respect_gitignore: bool = True
    cache: bool = True

    def enabled_rules(self) -> set[str]:
        """Rule ids that run: the most specific of select/ignore wins, ties go to ignore."""
        rules = all_rules()
        selected = self.select if self.select is not None else None
        enabled: set[str] = set()
        for rid, cls in rules.items():
            best_sel = -1
            if selected is None:
                if cls.default_enabled:
                    best_sel = 0
            else:
                best_sel = _specificity(rid, selected)
            best_sel = max(best_sel, _specificity(rid, self.extend_select))
            best_ign = _specificity(rid, self.ignore)
            if best_sel >= 0 and best_sel > best_ign:
                enabled.add(rid)
        return enabled

    def excludes(self) -> list[str]:
        """Exclude patterns in force: ``exclude`` (default: the built-in list) + ``extend-exclude``."""
        from lambdalint.discover import DEFAULT_EXCLUDE

        return (self.exclude if self.exclude is not None else DEFAULT_EXCLUDE) + self.extend_exclude

    def severity_of(self, rule_id: str) -> Severity:
        if rule_id in self.severity:
            return self.severity[rule_id]
        cls = all_rules().get(rule_id)
        return cls.severity if cls else Severity.WARNING

    def options_for(self, rule_id: str) -> dict[str, Any]:
        return self.rule_options.get(rule_id, {})

    def ignored_for_file(self, rel_posix: str) -> frozenset[str]:
        out: set[str] = set()
        for _, spec, ids in self.per_file_ignores:
            if spec.match_file(rel_posix):
                out |= ids
        return frozenset(out)

    def fingerprint(self) -> str:
        """What the cache keys on: everything that can change a file's findings."""
        parts = [
            repr(sorted(self.enabled_rules())),
            repr(sorted((k, int(v)) for k, v in self.severity.items())),
            repr(sorted((k, sorted(v.items())) for k, v in self.rule_options.items())),
        ]
        return "|".join(parts)


def _specificity(rule_id: str, prefixes: list[str]) -> int:
    best = -1
    for p in prefixes:
        if p == "ALL":
            best = max(best, 0)
        elif rule_id.startswith(p):
            best = max(best, len(p))
    return best


def find_config_file(start: Path) -> Path | None:
    """The nearest config file at or above ``start`` (a pyproject.toml counts only with a table)."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    data = tomllib.loads(candidate.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                    continue
                if "lambdalint" not in data.get("tool", {}):
                    continue
            return candidate
    return None


def load_config(explicit: Path | None, start: Path) -> Config:
    path = explicit if explicit is not None else find_config_file(start.resolve())
    if path is None:
        return Config(root=(start if start.is_dir() else start.parent).resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("lambdalint")
        if table is None:
            raise ConfigError(f"{path} has no [tool.lambdalint] table")
        where = f"{path} [tool.lambdalint]"
    else:
        table = data.get("tool", {}).get("lambdalint", data) if "tool" in data else data
        where = str(path)
    return parse_table(table, where, path.resolve(), path.resolve().parent)


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return value


def normalize_selectors(values: list[str], key: str, where: str) -> list[str]:
    """Upper-case rule ids/prefixes and check that each one matches at least one rule."""
    rules = all_rules()
    out = []
    for raw in values:
        v = raw.strip().upper()
        if v != "ALL" and not any(rid.startswith(v) for rid in rules):
            raise ConfigError(f"{where}: unknown rule id or prefix {raw!r} in '{key}'")
        out.append(v)
    return out


def parse_table(table: dict[str, Any], where: str, path: Path | None, root: Path) -> Config:
    cfg = Config(path=path, root=root)
    rules = all_rules()
    for key, value in table.items():
        if key.upper() in rules:
            cfg.rule_options[key.upper()] = _rule_options(key.upper(), value, where)
            continue
        if key not in TOP_LEVEL_KEYS:
            hint = ""
            if key.replace("_", "-") in TOP_LEVEL_KEYS:
                hint = f" (did you mean '{key.replace('_', '-')}'?)"
            raise ConfigError(f"{where}: unknown option '{key}'{hint}")
        if key == "select":
            cfg.select = normalize_selectors(_str_list(value, key, where), key, where)
        elif key == "extend-select":
            cfg.extend_select = normalize_selectors(_str_list(value, key, where), key, where)
        elif key in ("ignore", "extend-ignore"):
            cfg.ignore += normalize_selectors(_str_list(value, key, where), key, where)
        elif key == "exclude":
            cfg.exclude = _str_list(value, key, where)
        elif key == "extend-exclude":
            cfg.extend_exclude = _str_list(value, key, where)
        elif key == "fail-on":
            cfg.fail_on = _severity(value, key, where)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'severity' must be a table of rule id = severity")
            for rid, sev in value.items():
                if rid.upper() not in rules:
                    raise ConfigError(f"{where}: unknown rule id {rid!r} in 'severity'")
                cfg.severity[rid.upper()] = _severity(sev, f"severity.{rid}", where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [rule ids]")
            for glob, ids in value.items():
                sel = normalize_selectors(_str_list(ids, f"per-file-ignores.{glob}", where), key, where)
                expanded = frozenset(
                    rid for rid in rules if any(s == "ALL" or rid.startswith(s) for s in sel)
                )
                cfg.per_file_ignores.append((glob, pathspec.GitIgnoreSpec.from_lines([glob]), expanded))
        elif key in ("respect-gitignore", "cache"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: '{key}' must be true or false")
            setattr(cfg, key.replace("-", "_"), value)
    return cfg


def _severity(value: Any, key: str, where: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be one of error, warning, info")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"{where}: '{key}' must be one of error, warning, info (got {value!r})") from None


def _rule_options(rule_id: str, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{rule_id}' must be a table of options")
    defaults = all_rules()[rule_id].options
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise ConfigError(f"{where}: unknown option '{k}' for {rule_id} (known: {known})")
        expected = defaults[k]
        if isinstance(expected, bool) != isinstance(v, bool) or (
            not isinstance(expected, bool) and not isinstance(v, type(expected))
            and not (isinstance(expected, float) and isinstance(v, int))
            and not (isinstance(expected, (list, tuple)) and isinstance(v, list))
        ):
            raise ConfigError(
                f"{where}: option '{k}' of {rule_id} must be {type(expected).__name__}, got {v!r}"
            )
        out[k] = v
    return out
