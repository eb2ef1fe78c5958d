"""render_markdown(): the one path from user text to HTML, against the hostile corpus."""

from __future__ import annotations

import time

import pytest

from portfolio.markdown import WRAPPER, MarkdownRefused, render_markdown, rendered
from tests.hostile_markdown import CASES, assert_harmless


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("text, forbidden", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_renders_harmless_or_is_refused(text, forbidden):
    started = time.perf_counter()
    try:
        html = str(render_markdown(text))
    except MarkdownRefused as refusal:
        assert refusal.message and refusal.field == "body"
        return
    finally:
        # Not a benchmark: a guard against the stalls SECURITY.md describes (seconds, not ms).
        assert time.perf_counter() - started < 2
    assert html.startswith(WRAPPER) and html.endswith("</div>")
    assert_harmless(html, forbidden)


def test_ordinary_markdown_keeps_its_shape():
    html = str(render_markdown(
        "# Bilan\n\nJ'ai **appris** *beaucoup*.\n\n- un\n- deux\n\n1. a\n2. b\n\n"
        "> citation\n\n```python\nprint('é')\n```\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n"
        "Voir [le site](https://ecole.example/x?a=1&b=2) et ![schéma](/attachments/12)"))
    for piece in ("<h1>Bilan</h1>", "<strong>appris</strong>", "<em>beaucoup</em>",
                  "<li>un</li>", "<ol>", "<blockquote>", '<code class="language-python">',
                  "print(&#39;é&#39;)", "<table>", 'align="left"', 'align="right"',
                  'src="/attachments/12"', 'alt="schéma"'):
        assert piece in html.replace("'", "&#39;") or piece in html, piece
    assert 'href="https://ecole.example/x?a=1&amp;b=2"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_bare_urls_become_links_with_rel():
    html = str(render_markdown("voir https://ecole.fr/doc"))
    assert '<a href="https://ecole.fr/doc" rel="nofollow noopener noreferrer">' in html


def test_refusals_say_why():
    with pytest.raises(MarkdownRefused, match="trop long"):
        render_markdown("a" * 50_001)
    with pytest.raises(MarkdownRefused, match="imbrique trop"):
        render_markdown("> " * 21 + "x")
    with pytest.raises(MarkdownRefused, match="crochets"):
        render_markdown("[" * 201)
    render_markdown("> " * 20 + "x")  # twenty levels are fine
    render_markdown("[a] " * 200)


def test_the_rendered_filter_trusts_only_stored_render_output():
    assert str(rendered(str(render_markdown("**a**")))) == str(render_markdown("**a**"))
    assert str(rendered("<script>alert(1)</script>")) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    sneaky = f'{WRAPPER}</div><script>alert(1)</script>'
    assert "<script>" not in str(rendered(sneaky + "x"))


def test_slow_shaped_inputs_render_within_a_bound_in_a_subprocess(app):
    """Every slow-shaped input renders (or is refused) in bounded time, measured in a child
    process so that a regression fails the test instead of hanging the suite."""
    import json
    import subprocess
    import sys

    from tests.hostile_markdown import SLOW_BOUND_S, SLOW_CASES

    script = """
import json, sys, time
from config import TestConfig
from portfolio import create_app
from portfolio.markdown import MarkdownRefused, render_markdown
from tests.hostile_markdown import SLOW_CASES
app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.test_request_context():
    for name, text in SLOW_CASES:
        start = time.perf_counter()
        try:
            render_markdown(text)
        except MarkdownRefused:
            pass
        print(json.dumps([name, time.perf_counter() - start]), flush=True)
"""
    timeout = SLOW_BOUND_S * len(SLOW_CASES)
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=timeout, cwd=app.root_path + "/..")
    except subprocess.TimeoutExpired as stuck:
        seen = (stuck.stdout or b"").decode() if isinstance(stuck.stdout, bytes) else stuck.stdout
        pytest.fail(f"rendering did not finish in {timeout} s; done so far: {seen}")
    assert done.returncode == 0, done.stderr[-3000:]
    times = dict(json.loads(line) for line in done.stdout.splitlines())
    assert set(times) == {name for name, _ in SLOW_CASES}
    slow = {name: round(t, 2) for name, t in times.items() if t > SLOW_BOUND_S}
    assert not slow, slow


def test_a_url_in_parentheses_is_linked_without_them():
    html = str(render_markdown("(voir https://ecole.fr/doc) et ((https://ecole.fr/a_(b)))"))
    assert '<a href="https://ecole.fr/doc" rel="nofollow noopener noreferrer">' in html
    assert "(voir <a" in html and "</a>) et" in html

