"""render_markdown(): the one and only way from a user's text to trusted HTML.

Python-Markdown converts, then bleach keeps a small allow-list of tags, attributes and URL
schemes. The result is wrapped in an element with `hx-disable`, so that even an attribute that
slipped through could not make htmx act. Python-Markdown can be crashed (deep nesting) or
stalled (quadratic bracket parsing) by small inputs: those are refused before conversion.
"""

from __future__ import annotations

import re
from functools import partial

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter, build_url_re
from flask_babel import gettext as _
from markupsafe import Markup

from portfolio.services import ServiceError
from portfolio.text import parse_int

MAX_LENGTH = 50_000
MAX_NESTING = 20  # list or quote markers at the start of one line
MAX_BRACKETS_PER_BLOCK = 200
MAX_ANGLES_PER_BLOCK = 500
MAX_STARS_PER_BLOCK = 2_000  # emphasis is quadratic in Python-Markdown: "*a" x 25 000, 1-2 s
# Each "[" may make Python-Markdown scan to the end of its block for the "]": their number
# times the block's length bounds that work ("![" x 100 then 49 000 letters took 2.7 s).
MAX_BRACKET_SCAN = 1_000_000

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del",
    "sup", "sub", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
    "tbody", "tr", "th", "td",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from Portfolio's own evidence files: no tracking pixel, no foreign request.
OWN_IMAGE = re.compile(r"^/attachments/[0-9]{1,10}$")
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")
# Bare URLs become links. bleach's pattern starts with `\(*` (opening parentheses kept with the
# URL), which makes it quadratic on a run of "(": 50 000 of them took 47 s. Without it the URL
# is found from its first letter; bleach still trims unbalanced closing parentheses.
_BLEACH_URL = build_url_re(protocols=ALLOWED_PROTOCOLS)
_URL = re.compile(_BLEACH_URL.pattern.replace(r"\(*  # Match any opening parentheses.", "", 1),
                  _BLEACH_URL.flags)
assert _URL.pattern != _BLEACH_URL.pattern, "bleach's URL pattern changed: check the linkifier"
_NESTING = re.compile(r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)[ \t]+)" + f"{{{MAX_NESTING + 1},}}")


class MarkdownRefused(ServiceError):
    """The text cannot be rendered safely; the message says why, the text is kept."""


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title"}
    if tag == "img":
        if name == "src":
            return bool(OWN_IMAGE.match(value))
        return name in {"alt", "title"}
    if tag in {"th", "td"}:
        return name == "align" and value in {"left", "right", "center"}
    if tag == "ol":
        return name == "start" and parse_int(value) is not None
    if tag == "code":
        return name == "class" and bool(CODE_CLASS.match(value))
    return False


def _rel(attrs: dict, new: bool = False) -> dict:
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_attribute_allowed,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_rel], skip_tags={"pre", "code"},
                     parse_email=False, url_re=_URL)],
)


def check_markdown(text: str) -> None:
    """Refuse what is too long or shaped to crash or stall the converter."""
    if len(text) > MAX_LENGTH:
        raise MarkdownRefused(_("Le texte est trop long : %(max)d caractères au plus (il en "
                                "compte %(n)d).", max=MAX_LENGTH, n=len(text)), field="body")
    if "\x00" in text:
        raise MarkdownRefused(_("Le texte contient un caractère nul."), field="body")
    for line in text.split("\n"):
        if _NESTING.match(line):
            raise MarkdownRefused(_("Le texte imbrique trop de listes ou de citations "
                                    "(%(max)d niveaux au plus).", max=MAX_NESTING), field="body")
    for block in re.split(r"\n[ \t]*\n", text):
        brackets = block.count("[")
        if brackets > MAX_BRACKETS_PER_BLOCK or block.count("<") > MAX_ANGLES_PER_BLOCK \
                or block.count("*") > MAX_STARS_PER_BLOCK \
                or brackets * len(block) > MAX_BRACKET_SCAN:
            raise MarkdownRefused(_("Un paragraphe contient trop de crochets, de chevrons ou "
                                    "d'astérisques pour être mis en forme ; découpez-le."),
                                  field="body")


WRAPPER = '<div class="md" hx-disable>'


_HEADING = re.compile(r"<(/?)h([1-6])>")


def shift_headings(html: str, depth: int) -> str:
    """Headings written by the learner ("# Contexte") placed under the page's own: with
    depth 2, an h1 of the text becomes an h3 (never past h6), so the outline stays whole."""
    if depth <= 0:
        return html
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + depth)}>", html)


def rendered(html: str | None, depth: int = 0) -> Markup:
    """Mark stored render_markdown() output as safe, and nothing else (else it is escaped);
    `depth`: the heading level of the container the text sits under (see shift_headings)."""
    html = html or ""
    if html.startswith(WRAPPER) and html.endswith("</div>"):
        return Markup(shift_headings(html, depth))  # noqa: S704 (made by render_markdown)
    return Markup.escape(html)


def init_app(app) -> None:
    app.jinja_env.filters["rendered"] = rendered
    # Markup made by render_markdown() just now (a preview): its headings under the page's.
    app.jinja_env.filters["headings_under"] = lambda html, depth: Markup(  # noqa: S704
        shift_headings(str(html), depth)) if isinstance(html, Markup) else html


def render_markdown(text: str) -> Markup:
    """Return the user's markdown as sanitised HTML, wrapped in an `hx-disable` element."""
    text = text or ""
    check_markdown(text)
    try:
        html = md.markdown(text, extensions=["fenced_code", "tables", "sane_lists"],
                           extension_configs={"tables": {"use_align_attribute": True}},
                           output_format="html")
    except RecursionError:
        raise MarkdownRefused(_("Le texte est trop profondément imbriqué pour être mis en "
                                "forme."), field="body") from None
    clean = _cleaner.clean(html)
    return Markup(f"{WRAPPER}{clean}</div>")  # noqa: S704 (sanitised above)
