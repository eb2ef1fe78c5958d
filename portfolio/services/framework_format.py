"""The framework file format of PRODUCT.md: read (JSON or YAML), check every field, write."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

import yaml
from flask_babel import gettext as _

from portfolio.models import DEFAULT_SCALE, Framework
from portfolio.services import ServiceError
from portfolio.text import forbidden_char, nesting_depth

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 20  # a référentiel nests 8 levels at most (criteria of a compétence of a bloc)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_TITLE = 2000
MAX_TEXT = 8000
MAX_ITEMS = 500
KINDS = ("bloc", "transversal")

TOP_KEYS = ("code", "title", "version", "language", "source", "scale", "blocks")
BLOCK_KEYS = ("code", "kind", "title", "activities", "jobs", "assessment_methods", "mobilises",
              "competencies")
COMPETENCY_KEYS = ("code", "title", "criteria")


MISSING = object()  # a key absent from the file: already reported as missing, nothing more


class FrameworkInvalid(ServiceError):
    """The file is not a valid framework; `errors` lists every problem with its path."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors), field="file")
        self.errors = errors


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a small file cannot expand into a huge one."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed",
                                              event.start_mark)
        return super().compose_node(parent, index)


def parse(content: bytes, filename: str = "") -> object:
    """Read a framework file, JSON or YAML (by name, else by content)."""
    if len(content) > MAX_FILE_BYTES:
        raise FrameworkInvalid([_("fichier trop gros (%(max)d Mo au plus)",
                                  max=MAX_FILE_BYTES // (1024 * 1024))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FrameworkInvalid([_("le fichier n'est pas en UTF-8")]) from None
    if "\x00" in text:
        raise FrameworkInvalid([_("le fichier contient un caractère nul")])
    from portfolio.services import moodle_csv

    if filename.lower().endswith(".csv") or moodle_csv.looks_like_moodle(text):
        try:
            return moodle_csv.parse_csv(text)
        except csv.Error as error:
            raise FrameworkInvalid([_("CSV Moodle illisible : %(why)s", why=str(error))]) from None
    is_yaml = filename.lower().endswith((".yaml", ".yml")) or (
        not filename.lower().endswith(".json") and not text.lstrip().startswith(("{", "[")))
    try:
        data = _load(text, is_yaml)
    except RecursionError:
        data = None
        depth = MAX_DEPTH + 1
    else:
        depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise FrameworkInvalid([_("le fichier imbrique trop de niveaux (%(max)d au plus)",
                                  max=MAX_DEPTH)])
    return data


def _load(text: str, is_yaml: bool) -> object:
    if is_yaml:
        try:
            return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = _(" (ligne %(line)d)", line=mark.line + 1) if mark else ""
            raise FrameworkInvalid([_("YAML invalide%(where)s : %(problem)s", where=where,
                                      problem=getattr(exc, "problem", None) or str(exc))]
                                   ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameworkInvalid([_("JSON invalide (ligne %(line)d, colonne %(col)d) : %(msg)s",
                                  line=exc.lineno, col=exc.colno, msg=exc.msg)]) from None


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    def obj(self, value, path: str, keys: tuple[str, ...], required: tuple[str, ...]):
        if not isinstance(value, dict):
            self.error(path, _("doit être un objet"))
            return None
        for key in value:
            if key not in keys:
                self.error(_join(path, str(key)), _("clé inconnue"))
        for key in required:
            if key not in value:
                self.error(_join(path, key), _("champ obligatoire manquant"))
        return value

    def text(self, value, path: str, *, required: bool = True, limit: int = MAX_TEXT,
             one_line: bool = False) -> str:
        if value is MISSING or (value is None and not required):
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and one_line:
            value = str(value)  # YAML reads `version: 2024` as a number
        if not isinstance(value, str):
            self.error(path, _("doit être du texte"))
            return ""
        if bad := forbidden_char(value):
            self.error(path, _("contient un caractère invalide (%(char)s)", char=bad))
            return ""
        value = _clean(value)
        if one_line:
            value = " ".join(value.split())
        if required and not value:
            self.error(path, _("ne doit pas être vide"))
        if len(value) > limit:
            self.error(path, _("trop long (%(max)d caractères au plus)", max=limit))
        return value

    def code(self, value, path: str) -> str:
        value = self.text(value, path, limit=40, one_line=True)
        if not value:
            return value
        if value and not CODE_RE.match(value):
            self.error(path, _("code invalide (lettres, chiffres, « . », « _ » et « - », "
                               "40 caractères au plus)"))
        return value

    def texts(self, value, path: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, _("doit être une liste"))
            return []
        if len(value) > MAX_ITEMS:
            self.error(path, _("trop d'éléments (%(max)d au plus)", max=MAX_ITEMS))
        return [self.text(item, f"{path}[{i}]") for i, item in enumerate(value)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    return "\n".join(line.rstrip() for line in value.strip().split("\n"))


def validate(data: object) -> dict:
    """Return the framework as a clean dict, or raise FrameworkInvalid with every problem."""
    check = _Checker()
    top = check.obj(data, "", TOP_KEYS, ("code", "title", "version", "blocks"))
    if top is None:
        raise FrameworkInvalid(check.errors or [_("le fichier doit contenir un objet")])
    clean = {
        "code": check.code(top.get("code", MISSING), "code"),
        "title": check.text(top.get("title", MISSING), "title", limit=500, one_line=True),
        "version": check.text(top.get("version", MISSING), "version", limit=40, one_line=True),
        "language": check.text(top.get("language", "fr"), "language", limit=8, one_line=True),
        "source": check.text(top.get("source"), "source", required=False),
        "scale": _scale(check, top.get("scale", DEFAULT_SCALE)),
        "blocks": [],
    }
    blocks = top.get("blocks")
    if "blocks" in top and not isinstance(blocks, list):
        check.error("blocks", _("doit être une liste"))
        blocks = []
    elif isinstance(blocks, list) and not blocks:
        check.error("blocks", _("ne doit pas être vide"))
    block_codes: dict[str, str] = {}
    competency_codes: dict[str, str] = {}
    mobilised: list[tuple[str, str]] = []
    for i, raw in enumerate(blocks or []):
        path = f"blocks[{i}]"
        block = check.obj(raw, path, BLOCK_KEYS, ("code", "title", "competencies"))
        if block is None:
            continue
        code = check.code(block.get("code", MISSING), f"{path}.code")
        if code in block_codes:
            check.error(f"{path}.code", _("code en double « %(code)s »", code=code))
        block_codes.setdefault(code, path)
        kind = block.get("kind", "bloc")
        if kind not in KINDS:
            check.error(f"{path}.kind", _("doit valoir « bloc » ou « transversal »"))
        mobilises = block.get("mobilises", [])
        if not isinstance(mobilises, list) or not all(isinstance(m, str) for m in mobilises):
            check.error(f"{path}.mobilises", _("doit être une liste de codes de blocs"))
            mobilises = []
        for j, target in enumerate(mobilises):
            mobilised.append((f"{path}.mobilises[{j}]", target.strip()))
        clean_block = {
            "code": code,
            "kind": kind if kind in KINDS else "bloc",
            "title": check.text(block.get("title", MISSING), f"{path}.title", limit=MAX_TITLE),
            "activities": check.text(block.get("activities"), f"{path}.activities",
                                     required=False),
            "jobs": check.texts(block.get("jobs"), f"{path}.jobs"),
            "assessment_methods": check.texts(block.get("assessment_methods"),
                                              f"{path}.assessment_methods"),
            "mobilises": [m.strip() for m in mobilises],
            "competencies": [],
        }
        competencies = block.get("competencies")
        if "competencies" in block and not isinstance(competencies, list):
            check.error(f"{path}.competencies", _("doit être une liste"))
            competencies = []
        elif isinstance(competencies, list) and not competencies:
            check.error(f"{path}.competencies", _("ne doit pas être vide"))
        for k, raw_comp in enumerate(competencies or []):
            cpath = f"{path}.competencies[{k}]"
            comp = check.obj(raw_comp, cpath, COMPETENCY_KEYS, ("code", "title"))
            if comp is None:
                continue
            ccode = check.code(comp.get("code", MISSING), f"{cpath}.code")
            if ccode in competency_codes:
                check.error(f"{cpath}.code", _("code en double « %(code)s »", code=ccode))
            competency_codes.setdefault(ccode, cpath)
            clean_block["competencies"].append({
                "code": ccode,
                "title": check.text(comp.get("title", MISSING), f"{cpath}.title", limit=MAX_TITLE),
                "criteria": check.texts(comp.get("criteria"), f"{cpath}.criteria"),
            })
        clean["blocks"].append(clean_block)
    for path, target in mobilised:
        if target not in block_codes:
            check.error(path, _("bloc mobilisé inconnu « %(code)s »", code=target))
    if check.errors:
        raise FrameworkInvalid(check.errors)
    return clean


def _scale(check: _Checker, value) -> list[dict]:
    if not isinstance(value, list) or len(value) < 2:
        check.error("scale", _("doit être une liste d'au moins deux niveaux"))
        return list(DEFAULT_SCALE)
    steps = []
    for i, raw in enumerate(value):
        step = check.obj(raw, f"scale[{i}]", ("value", "label"), ("value", "label"))
        if step is None:
            continue
        number = step.get("value")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 100:
            check.error(f"scale[{i}].value", _("doit être un entier entre 0 et 100"))
            continue
        steps.append({"value": number,
                      "label": check.text(step.get("label"), f"scale[{i}].label", limit=80,
                                          one_line=True)})
    values = [s["value"] for s in steps]
    if values and (values[0] != 0 or values != sorted(set(values))):
        check.error("scale", _("les valeurs doivent commencer à 0 et croître strictement"))
    return steps


def export(framework: Framework) -> dict:
    """Return the framework in the file format (current blocks and compétences only)."""
    return {
        "code": framework.code,
        "title": framework.title,
        "version": framework.version,
        "language": framework.language,
        "source": framework.source,
        "scale": [{"value": s["value"], "label": s["label"]} for s in framework.scale],
        "blocks": [
            {
                "code": block.code,
                "kind": block.kind,
                "title": block.title,
                "activities": block.activities,
                "jobs": list(block.jobs),
                "assessment_methods": list(block.assessment_methods),
                "mobilises": list(block.mobilises),
                "competencies": [
                    {"code": c.code, "title": c.title, "criteria": [k.text for k in c.criteria]}
                    for c in block.current_competencies
                ],
            }
            for block in framework.current_blocks
        ],
    }


# Formats a référentiel can be written in: media type and file extension.
DUMP_FORMATS = {"json": ("application/json", "json"), "yaml": ("application/yaml", "yaml"),
                "moodle-csv": ("text/csv", "csv"), "mahara-matrix": ("application/json", "matrix")}


def dump(data: dict, fmt: str = "json") -> str:
    """Write the file format as JSON or YAML text, or as Moodle's CSV or Mahara's .matrix."""
    if fmt == "moodle-csv":
        from portfolio.services.moodle_csv import export_csv

        return export_csv(data)
    if fmt == "mahara-matrix":
        from portfolio.services.mahara_matrix import export_matrix

        return export_matrix(data)
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
