"""The self-contained HTML file: inline CSS and SVG, no request of any kind, printable."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import render_template
from markupsafe import Markup, escape

from portfolio.charts import Axis, progress_radar
from portfolio.markdown import shift_headings

# render_markdown() output has a known shape: double-quoted attributes, links with rel.
_OWN_IMAGE = re.compile(r'<img ([^>]*?)src="/attachments/([0-9]+)"([^>]*)>')
_ALT = re.compile(r'alt="([^"]*)"')
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)

AttachmentHref = Callable[[dict], "str | None"]


def radar_of(framework: dict, id_prefix: str) -> Markup:
    """The radar drawn from the model's numbers (so every writer draws the same)."""
    return progress_radar(
        framework["title"], max(s["value"] for s in framework["scale"]),
        [Axis(b["code"], b["self_mean"], b["referent_mean"], b["coverage"], b["gap"])
         for b in framework["blocks"]], id_prefix=id_prefix)


def offline_html(html: str, attachments: dict[int, dict], href: AttachmentHref) -> Markup:
    """Stored entry HTML made self-contained: own images point into the export (or become
    their alt text), and links to other sites become plain text with the address shown."""
    def image(match: re.Match) -> str:
        item = attachments.get(int(match.group(2)))
        target = href(item) if item else None
        if target:
            return f'<img {match.group(1)}src="{escape(target)}"{match.group(3)}>'
        alt = _ALT.search(match.group(0))
        return f"[{alt.group(1) if alt else 'image'}]"

    def link(match: re.Match) -> str:
        url, text = match.group(1), match.group(2)
        if url.startswith("#"):
            return match.group(0)
        # A printed dossier cannot be clicked: the address follows the words, discreetly.
        return f'{text} <span class="url">({url})</span>' if text != url else \
            f'<span class="url">{url}</span>'

    return Markup(_LINK.sub(link, _OWN_IMAGE.sub(image, html or "")))  # noqa: S704


def write_html(model: dict, href: AttachmentHref | None = None, *, noindex: bool = False,
               images_only: bool = False) -> str:
    """The whole portfolio as one HTML document (a string). `href` says where each file is
    (None: not in this export); `images_only`: it only gives images (the PDF's data: URLs), so
    other files are named without a link."""
    from portfolio import vocabulary

    href = href or (lambda item: None)
    attachments = {a["id"]: a for e in model["entries"] for a in e["attachments"]}
    entries = {e["id"]: e for e in model["entries"]}
    # Images the text does not show already are drawn after it.
    shown = {e["id"]: {int(i) for _a, i, _b in _OWN_IMAGE.findall(e["body_html"] or "")}
             for e in model["entries"]}
    return render_template(
        "exports/portfolio.html", m=model, entries=entries, shown=shown,
        file_href=(lambda a: None) if images_only else href, image_href=href,
        radars={f["code"]: radar_of(f, f"radar-{f['code']}") for f in model["frameworks"]},
        body=lambda html, depth=3: offline_html(shift_headings(html or "", depth), attachments,
                                                href), noindex=noindex,
        reflection_labels=vocabulary.REFLECTION)
