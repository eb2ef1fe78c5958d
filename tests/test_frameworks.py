"""Référentiels: the file format, import and re-import rules, export round trip, CLI."""

import json

import pytest
import yaml
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import Block, Competency, Criterion, Framework
from portfolio.services import frameworks as service
from portfolio.services.framework_format import FrameworkInvalid, validate

SHIPPED = ["ing-num", "ing-info"]


@pytest.fixture(autouse=True)
def english_cli(monkeypatch):
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


def small(version="1", **changes):
    """A small valid framework, as a dict in the file format."""
    data = {
        "code": "demo-fw", "title": "Référentiel de démonstration", "version": version,
        "language": "fr", "source": "tests",
        "scale": [{"value": 0, "label": "Non évalué"}, {"value": 1, "label": "Notions"},
                  {"value": 2, "label": "Acquis"}],
        "blocks": [
            {"code": "C1", "kind": "bloc", "title": "Premier bloc", "activities": "Études",
             "jobs": ["Ingénieur"], "assessment_methods": ["Rapport"], "mobilises": ["S1"],
             "competencies": [
                 {"code": "C1.1", "title": "Analyser", "criteria": ["Pertinence", "Clarté"]},
                 {"code": "C1.2", "title": "Concevoir", "criteria": ["Cohérence"]}]},
            {"code": "S1", "kind": "transversal", "title": "Se connaître", "activities": "",
             "jobs": [], "assessment_methods": [], "mobilises": [],
             "competencies": [
                 {"code": "S1.1", "title": "Se connaître et s'évaluer", "criteria": []}]},
        ],
    }
    data.update(changes)
    return data


def write(tmp_path, data, name="fw.json"):
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str)
                        else data, encoding="utf-8")
    else:
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True),
                        encoding="utf-8")
    return path


def errors_of(runner, tmp_path, data, name="fw.json"):
    result = runner.invoke(args=["frameworks", "import", str(write(tmp_path, data, name))])
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.stderr
    return [line for line in result.stderr.splitlines()
            if line and not line.startswith("Error:")]


# The shipped référentiels ---------------------------------------------------------------------

@pytest.mark.parametrize("code", SHIPPED)
def test_shipped_export_has_the_product_shape_and_round_trips(code, runner, app, tmp_path):
    with app.app_context():
        service.load_shipped_frameworks()
        db.session.commit()
    result = runner.invoke(args=["frameworks", "export", code, "--format", "json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    assert list(exported) == ["code", "title", "version", "language", "source", "scale", "blocks"]
    block = exported["blocks"][0]
    assert list(block) == ["code", "kind", "title", "activities", "jobs", "assessment_methods",
                           "mobilises", "competencies"]
    assert list(block["competencies"][0]) == ["code", "title", "criteria"]
    shipped = json.loads((service.SHIPPED / f"{code}.json").read_text(encoding="utf-8"))
    assert exported == shipped
    # Into an empty database, and out again: identical.
    path = tmp_path / "export.json"
    path.write_text(result.stdout, encoding="utf-8")
    with app.app_context():
        db.session.execute(db.delete(Framework))
        db.session.commit()
    assert runner.invoke(args=["frameworks", "import", str(path)]).exit_code == 0
    again = runner.invoke(args=["frameworks", "export", code])
    assert again.stdout == result.stdout


def test_yaml_export_round_trips(runner, app, tmp_path):
    with app.app_context():
        service.load_shipped_frameworks()
        db.session.commit()
    result = runner.invoke(args=["frameworks", "export", "ing-num", "--format", "yaml"])
    assert "Se connaître et s'évaluer" in result.stdout
    data = yaml.safe_load(result.stdout)
    assert data == json.loads((service.SHIPPED / "ing-num.json").read_text(encoding="utf-8"))
    path = write(tmp_path, result.stdout, "ing-num.yaml")
    with app.app_context():
        db.session.execute(db.delete(Framework))
        db.session.commit()
    assert runner.invoke(args=["frameworks", "import", str(path)]).exit_code == 0


def test_frameworks_list(runner, app):
    with app.app_context():
        service.load_shipped_frameworks()
        db.session.commit()
    result = runner.invoke(args=["frameworks", "list", "--json"])
    assert [f["code"] for f in json.loads(result.stdout)] == ["ing-info", "ing-num"]
    plain = runner.invoke(args=["frameworks", "list"])
    assert plain.stdout.splitlines()[1].startswith("ing-num\t1\t")


def test_shipped_frameworks_load_once(app):
    with app.app_context():
        first = service.load_shipped_frameworks()
        db.session.commit()
        second = service.load_shipped_frameworks()
        assert [r.status for r in first] == ["created", "created"]
        assert [r.status for r in second] == ["unchanged", "unchanged"]
        assert db.session.scalar(select(func.count()).select_from(Competency)) == 25 + 37


def test_export_of_unknown_code(runner):
    result = runner.invoke(args=["frameworks", "export", "nope"])
    assert result.exit_code == 1 and "No référentiel" in result.stderr


# Malformed files: every problem, with its path ------------------------------------------------

def test_bad_json(runner, tmp_path):
    errors = errors_of(runner, tmp_path, '{"code": "x", "title": }')
    assert errors == ["invalid JSON (line 1, column 24): Expecting value"]


def test_bad_yaml(runner, tmp_path):
    errors = errors_of(runner, tmp_path, "code: [unclosed\ntitle: x\n", "fw.yaml")
    assert errors[0].startswith("invalid YAML (line 2): ")


def test_not_an_object(runner, tmp_path):
    assert errors_of(runner, tmp_path, "[1, 2]") == ["must be an object"]


def test_missing_keys(runner, tmp_path):
    data = small()
    del data["title"]
    del data["blocks"][0]["competencies"][1]["code"]
    del data["blocks"][1]["title"]
    assert errors_of(runner, tmp_path, data) == [
        "title: required key missing",
        "blocks[0].competencies[1].code: required key missing",
        "blocks[1].title: required key missing",
    ]


def test_duplicate_codes(runner, tmp_path):
    data = small()
    data["blocks"][1]["competencies"][0]["code"] = "C1.1"
    data["blocks"].append(dict(data["blocks"][0], competencies=[
        {"code": "C9.1", "title": "Autre", "criteria": []}]))
    assert errors_of(runner, tmp_path, data) == [
        'blocks[1].competencies[0].code: duplicate code "C1.1"',
        'blocks[2].code: duplicate code "C1"',
    ]


def test_unknown_mobilised_block(runner, tmp_path):
    data = small()
    data["blocks"][0]["mobilises"] = ["S1", "S9"]
    assert errors_of(runner, tmp_path, data) == [
        'blocks[0].mobilises[1]: unknown mobilised block "S9"']


def test_wrong_types_and_unknown_keys(runner, tmp_path):
    data = small(scale=[{"value": 1, "label": "Un"}, {"value": 1, "label": ""}])
    data["blocks"][0]["kind"] = "option"
    data["blocks"][0]["jobs"] = "Ingénieur"
    data["blocks"][0]["colour"] = "red"
    data["blocks"][0]["competencies"][0]["criteria"] = [1]
    data["blocks"][1]["competencies"] = []
    data["code"] = "bad code!"
    errors = errors_of(runner, tmp_path, data)
    assert errors == [
        "code: invalid code (letters, digits, “.”, “_” and “-”, at most 40 characters)",
        "scale[1].label: must not be empty",
        "scale: values must start at 0 and strictly increase",
        "blocks[0].colour: unknown key",
        'blocks[0].kind: must be "bloc" or "transversal"',
        "blocks[0].jobs: must be a list",
        "blocks[0].competencies[0].criteria[0]: must be a string",
        "blocks[1].competencies: must not be empty",
    ]


def test_yaml_aliases_are_refused(runner, tmp_path):
    text = "code: x\ntitle: &t Titre\nversion: '1'\nblocks:\n- code: C1\n  title: *t\n"
    errors = errors_of(runner, tmp_path, text, "fw.yaml")
    assert "aliases are not allowed" in errors[0]


def test_nothing_is_imported_when_anything_is_wrong(runner, tmp_path, app):
    data = small()
    data["blocks"][1]["competencies"][0]["code"] = "C1.1"
    errors_of(runner, tmp_path, data)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Framework)) == 0


def test_yaml_version_number_is_accepted(app):
    with app.app_context():
        clean = validate(yaml.safe_load(yaml.safe_dump(small(version=2024))))
    assert clean["version"] == "2024"


# Re-import rules -------------------------------------------------------------------------------

def _import(app, data, force=False):
    with app.app_context():
        report = service.import_framework(validate(data), force=force)
        db.session.commit()
        return report


def _ids(app):
    with app.app_context():
        return {c.code: c.id for c in db.session.scalars(select(Competency))}


def test_reimport_updates_in_place_and_reports(app):
    _import(app, small())
    before = _ids(app)
    with app.app_context():
        criterion_id = db.session.scalar(select(Criterion.id).where(Criterion.text == "Clarté"))
    data = small(version="2")
    data["blocks"][0]["title"] = "Premier bloc, renommé"
    data["blocks"][0]["competencies"][0]["title"] = "Analyser un besoin"
    data["blocks"][0]["competencies"][0]["criteria"] = ["Pertinence", "Clarté de la synthèse"]
    data["blocks"][0]["competencies"][1] = {"code": "C1.3", "title": "Réaliser", "criteria": []}
    report = _import(app, data)
    assert (report.status, report.added, report.removed, report.archived) == (
        "updated", ["C1.3"], ["C1.2"], [])
    after = _ids(app)
    assert after["C1.1"] == before["C1.1"] and after["S1.1"] == before["S1.1"]
    assert "C1.2" not in after
    with app.app_context():
        assert db.session.get(Criterion, criterion_id).text == "Clarté de la synthèse"
        framework = service.get_framework("demo-fw")
        assert framework.version == "2"
        assert framework.blocks[0].title == "Premier bloc, renommé"


def test_reimport_identical_is_unchanged(app):
    _import(app, small())
    assert _import(app, small()).status == "unchanged"


def test_reimport_same_version_with_changes_is_refused(app):
    _import(app, small())
    data = small()
    data["title"] = "Autre titre"
    with pytest.raises(FrameworkInvalid) as info, app.app_context():
        service.import_framework(validate(data))
    assert "version" in info.value.errors[0]


@pytest.fixture
def evidence_on(app, monkeypatch):
    """Pretend that evidence points to the compétences with these codes."""
    codes: set[str] = set()

    def counter(ids):
        rows = db.session.execute(select(Competency.id, Competency.code).where(
            Competency.id.in_(ids))).all()
        return {cid: 3 for cid, code in rows if code in codes}

    monkeypatch.setattr(service, "_evidence_counters", [counter])
    return codes


def test_reimport_refuses_to_drop_compétences_with_evidence(app, evidence_on, runner, tmp_path):
    _import(app, small())
    evidence_on.add("C1.2")
    data = small(version="2")
    del data["blocks"][0]["competencies"][1]
    errors = errors_of(runner, tmp_path, data)
    assert "C1.2" in errors[0] and "--force" in errors[0]
    with app.app_context():
        assert service.get_framework("demo-fw").version == "1"
    result = runner.invoke(args=["frameworks", "import", "--force",
                                 str(write(tmp_path, data))])
    assert result.exit_code == 0, result.output
    assert "archived (evidence points to them): C1.2" in result.stderr
    with app.app_context():
        archived = db.session.scalar(select(Competency).where(Competency.code == "C1.2"))
        assert archived.archived_at is not None
        assert service.find_competency("demo-fw:C1.2") is None
        assert service.find_competency("demo-fw:C1.1") is not None
    exported = json.loads(runner.invoke(args=["frameworks", "export", "demo-fw"]).stdout)
    assert [c["code"] for c in exported["blocks"][0]["competencies"]] == ["C1.1"]


def test_a_dropped_block_with_evidence_is_archived_then_revived(app, evidence_on):
    _import(app, small())
    evidence_on.add("S1.1")
    data = small(version="2")
    del data["blocks"][1]
    data["blocks"][0]["mobilises"] = []
    report = _import(app, data, force=True)
    assert report.archived == ["S1.1"]
    with app.app_context():
        block = db.session.scalar(select(Block).where(Block.code == "S1"))
        assert block.archived_at is not None
    report = _import(app, small(version="3"))
    with app.app_context():
        assert service.find_competency("demo-fw:S1.1") is not None
        assert db.session.scalar(select(Block).where(Block.code == "S1")).archived_at is None


def test_a_compétence_may_move_to_another_block(app):
    _import(app, small())
    before = _ids(app)
    data = small(version="2")
    moved = data["blocks"][0]["competencies"].pop(1)
    data["blocks"][1]["competencies"].append(moved)
    _import(app, data)
    assert _ids(app)["C1.2"] == before["C1.2"]
    with app.app_context():
        assert db.session.get(Competency, before["C1.2"]).block.code == "S1"
