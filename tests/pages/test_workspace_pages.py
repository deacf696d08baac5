"""Targets & notes reached as a browser does: an editor adds a note and a target and every view
draws them; a viewer and a signed-out visitor see them but get no form, and a write attempted
without the editor role is refused."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app import auth
import settings
from app import workspace_ui
from data import workspace
from tests.pages.conftest import open_page

PAGE = "pages/9_Targets_and_notes.py"
WRITE_FORMS = ("FormSubmitter:notes_", "FormSubmitter:targets_")
EDITOR_PW = "editor-battery-staple"
EDITOR_ONLY = {"passwords": {"editor": auth.hash_password(EDITOR_PW)}}  # open to viewers
VIEWER_AND_EDITOR = {"passwords": {"viewer": auth.hash_password("viewer-pw"),
                                   "editor": EDITOR_ONLY["passwords"]["editor"]}}


@pytest.fixture
def db(demo_db, monkeypatch):
    """The session's demo database with an empty set of notes; the notes are removed after."""
    monkeypatch.setattr(settings, "DB_PATH", demo_db)
    with workspace.connect(demo_db) as con:
        before = set(workspace.annotations(con)["id"])
    yield demo_db
    with workspace.connect(demo_db) as con:
        for note_id in set(workspace.annotations(con)["id"]) - before:
            workspace.delete_annotation(con, note_id)
        workspace.delete_target(con, "churn_rate_pct", plan="Growth")


def open_as(role: str | None, secrets: dict, page: str = PAGE, params: dict | None = None):
    at = open_page(page, params, secrets=secrets,
                   session={auth.ROLE_KEY: role} if role is not None else None)
    assert not at.exception, at.exception
    return at


def table(at, column: str):
    """The listed table that has this column (notes: 'note', targets: 'kpi')."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def figures(at) -> dict[str, dict]:
    return {el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def test_an_editor_adds_a_note_and_a_target_and_the_charts_draw_them(db):
    at = open_as(auth.EDITOR, EDITOR_ONLY)
    at.date_input(key="notes_date").set_value(date(2025, 3, 1))
    at.text_input(key="notes_text").input("Price increase")
    at.button(key="FormSubmitter:notes_add-Add note").click()
    at.run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Note added for 01 Mar 2025."]
    with workspace.connect(db) as con:
        notes = workspace.annotations(con)
    assert notes[["on_date", "text", "plan", "created_by"]].values.tolist()[-1] == [
        date(2025, 3, 1), "Price increase", "", "editor"]
    listed = table(at, "note")
    assert "Price increase" in listed["note"].tolist()

    at.selectbox(key="targets_kpi").set_value("churn_rate_pct")
    at.selectbox(key="targets_direction").set_value("at_most")
    at.number_input(key="targets_value").set_value(2.0)
    at.selectbox(key="targets_plan").set_value("Growth")
    at.button(key="FormSubmitter:targets_set-Save target").click()
    at.run()
    assert [s.value for s in at.success] == ["Target saved for Churn rate."]
    with workspace.connect(db) as con:
        rows = workspace.targets(con).set_index(["kpi", "plan", "segment", "priority"])
    assert rows.loc[("churn_rate_pct", "Growth", "", ""),
                    ["direction", "value", "updated_by"]].tolist() \
        == ["at_most", 2.0, "editor"]

    # The Overview of Growth: the churn chart has the Growth target and the note; the tile says
    # how far the month is from 2%.
    at = open_as(auth.EDITOR, EDITOR_ONLY, "dashboard.py", {"plan": "Growth"})
    churn = figures(at)
    churn = next(fig for fig in churn.values()
                 if any(t.get("name") == "Churn rate" for t in fig["data"]))
    texts = [a.get("text", "") for a in churn["layout"].get("annotations", [])]
    assert "target ≤ 2.0% (Growth)" in texts
    assert "◆ Price increase" in texts
    hover = [a.get("hovertext") for a in churn["layout"]["annotations"] if a.get("hovertext")]
    assert hover == ["01 Mar 2025: Price increase"]
    shown = " ".join(m.value for m in at.markdown)
    assert "(≤ 2\\.0% \\(Growth\\))" in shown


def test_a_viewer_sees_targets_and_notes_but_no_form(db):
    with workspace.connect(db) as con:
        workspace.add_annotation(con, date(2025, 1, 15), "New onboarding flow", "lead")
    at = open_as(auth.VIEWER, VIEWER_AND_EDITOR)
    assert "New onboarding flow" in table(at, "note")["note"].tolist()
    assert "Churn rate" in table(at, "kpi")["kpi"].tolist()
    assert not [b for b in at.button if (b.key or "").startswith(WRITE_FORMS)]
    assert next(i.value for i in at.info).startswith("Only editors can add or change targets")
    assert [d.label for d in at.get("download_button")][:1] == ["Download the notes as CSV"]


def test_a_signed_out_visitor_sees_them_and_cannot_write(db):
    at = open_as(None, EDITOR_ONLY)  # open to everyone; an editor password exists
    assert "Churn rate" in table(at, "kpi")["kpi"].tolist()
    assert not [b for b in at.button if (b.key or "").startswith(WRITE_FORMS)]
    assert next(i.value for i in at.info) == ("Only editors can add or change targets and notes: "
                                             "sign in as an editor in the sidebar.")


def test_a_write_without_the_editor_role_is_refused(db, monkeypatch):
    monkeypatch.setattr(auth, "is_editor", lambda: False)
    said = workspace_ui.write("add_note", date(2025, 1, 1), "x", "someone")
    assert said == "Only editors can change targets and notes."
    with workspace.connect(db) as con:
        assert "x" not in workspace.annotations(con)["text"].tolist()
