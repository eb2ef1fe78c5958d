"""What an imported post holds: its body as Markdown, its files, its comments."""

from __future__ import annotations

import re
import zipfile
from html import escape
from xml.etree import ElementTree as ET

from flask_babel import gettext as _
from markdownify import markdownify

from portfolio.markdown import MAX_LENGTH, MarkdownRefused, render_markdown
from portfolio.models import Comment, Entry
from portfolio.services import ServiceError
from portfolio.services.attachments import MAX_ATTACHMENTS_PER_ENTRY, store_upload
from portfolio.services.leap2a_read import Feed, Item, local
from portfolio.text import clean_text

# Where Mahara's bodies point at one of its files: "portfolio:artefact351", or the download URL
# of the site it came from ("…/artefact/file/download.php?file=351&embedded=1…").
_ARTEFACT = re.compile(r"(?:portfolio:artefact|download\.php\?(?:[^\"'>]*&(?:amp;)?)?file=)(\d+)")
_OUR_IMAGE = re.compile(r"/attachments/(\d+)\b")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def content_html(item: Item) -> str:
    """The entry's content as HTML, whatever way it was written (xhtml, html or text)."""
    content = item.content
    if content is None:
        return ""
    kind = content.get("type", "text")
    if kind == "xhtml":
        parts = []
        for child in content:
            for element in child.iter():
                element.tag = local(element.tag)  # XHTML's namespace off, for plain HTML
            parts.append(ET.tostring(child, encoding="unicode", method="html"))
        html = "".join(parts)
        return re.sub(r"^<div>(.*)</div>$", r"\1", html, flags=re.DOTALL)
    text = "".join(content.itertext())
    if kind == "html":
        return text
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def to_markdown(html: str) -> str:
    """HTML as Markdown a learner can edit; blank lines kept to one."""
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["script", "style"])
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return clean_text(text) or ""


def _file_key(feed: Feed, href: str) -> str | None:
    """The resource entry (or archive path) a link or an image names."""
    if href in feed.items:
        return href
    if match := _ARTEFACT.search(href):
        key = f"portfolio:artefact{match.group(1)}"
        return key if key in feed.items else None
    return href  # perhaps a path in the archive (checked when read)


def attach_files(entry: Entry, archive: zipfile.ZipFile, feed: Feed, post: Item,
                 report) -> dict[str, int]:
    """Store the post's files (linked, or embedded in its body) as the entry's attachments;
    return where each came from -> its attachment id."""
    from portfolio.services.leap2a_import import member_path

    wanted = [_file_key(feed, href) for href in post.linked("related", "enclosure")]
    wanted += [_file_key(feed, src) for src in _SRC.findall(content_html(post))]
    ours = post.ext("body")
    if ours is not None and ours.text:  # our export: /attachments/<old id> in the Markdown
        wanted += [f"portfolio:resource{old}" for old in _OUR_IMAGE.findall(ours.text)]
    stored: dict[str, int] = {}
    for key in dict.fromkeys(k for k in wanted if k):
        resource = feed.items.get(key)
        href, name = key, None
        if resource is not None:
            if resource.kind != "resource":
                continue
            enclosure = next((h for rel, h, _a in resource.links if rel == "enclosure"), None)
            href, name = enclosure or "", resource.title
        path = member_path(archive, href) if href else None
        if path is None:
            if resource is not None:
                report.problems.append(_("« %(title)s » : le fichier %(name)s manque dans "
                                         "l'archive.", title=post.title[:80], name=name or key))
            continue
        if len(entry.attachments) >= MAX_ATTACHMENTS_PER_ENTRY:
            report.problems.append(_("« %(title)s » : plus de %(max)d fichiers, les suivants "
                                     "sont laissés.", title=post.title[:80],
                                     max=MAX_ATTACHMENTS_PER_ENTRY))
            break
        try:
            with archive.open(path) as stream:
                attachment = store_upload(entry, stream, name or path.rsplit("/", 1)[-1])
        except ServiceError as refused:
            report.problems.append(_("« %(title)s » : %(name)s refusé (%(why)s)",
                                     title=post.title[:80], name=name or path,
                                     why=refused.message))
            continue
        stored[key] = attachment.id
        stored[path] = attachment.id
        report.files += 1
    return stored


def post_markdown(post: Item, files: dict[str, int]) -> str:
    """The body as Markdown: ours as written (its images renumbered), else the HTML converted,
    its images pointing at the attachments they became (an image from elsewhere, a link)."""
    ours = post.ext("body")
    if ours is not None:
        def renumber(match: re.Match) -> str:
            new = files.get(f"portfolio:resource{match.group(1)}")
            return f"/attachments/{new}" if new else match.group(0)

        return _OUR_IMAGE.sub(renumber, ours.text or "")

    def image(match: re.Match) -> str:
        tag = match.group(0)
        src = (_SRC.search(tag) or [None, ""])[1]
        alt = escape((_ALT.search(tag) or [None, ""])[1] or _("image"))
        key = src if src in files else _file_key_loose(src)
        if key in files:
            return f'<img src="/attachments/{files[key]}" alt="{alt}">'
        return f'<a href="{escape(src)}">{alt}</a>' if src.startswith("http") else alt

    text = to_markdown(_IMG.sub(image, content_html(post)))
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH - 100].rsplit("\n", 1)[0] + "\n\n" + _("(texte coupé à "
                                                                        "l'import)")
    return text


def _file_key_loose(src: str) -> str | None:
    match = _ARTEFACT.search(src)
    return f"portfolio:artefact{match.group(1)}" if match else None


def comments_for(entry: Entry, feed: Feed, post: Item) -> list[Comment]:
    """The post's comments (and the replies to them), oldest first, as the entry's thread."""
    thread = []
    for item in feed.comments_on(post):
        body = to_markdown(content_html(item))[:MAX_LENGTH] or "—"
        try:
            html = str(render_markdown(body))
        except MarkdownRefused:
            body = escape(body)
            html = f"<p>{body}</p>"
        thread.append(Comment(
            entry_id=entry.id, author_id=None, body=body, body_html=html,
            imported_author=(item.author or _("Auteur inconnu"))[:200], private=item.private,
            **({"created_at": item.published} if item.published else {})))
    return thread
