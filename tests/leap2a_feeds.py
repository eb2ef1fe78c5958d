"""Small Leap2A archives written the way Mahara writes them, for the import tests."""

from __future__ import annotations

import io
import zipfile

HEAD = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:leap2="http://terms.leapspecs.org/" xmlns:categories="http://wiki.leapspecs.org/2A/categories/"
 xmlns:mahara="https://wiki.mahara.org/wiki/Developer_Area/Import//Export/LEAP_Extensions"
 xmlns:portfolio="http://mahara.example/export/1/">
<leap2:version>http://www.leapspecs.org/2010-07/2A/</leap2:version>
<id>http://mahara.example/export/1</id><title>t</title><updated>2026-01-01T00:00:00Z</updated>
<author><name>Lena</name></author>
"""


def post(ident: str, title: str, body: str = "<p>Texte</p>", extra: str = "",
         published: str = "2025-03-04T10:00:00+00:00") -> str:
    return f"""<entry><id>{ident}</id><title>{title}</title><updated>{published}</updated>
<published>{published}</published>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><div>{body}</div></div></content>
<rdf:type rdf:resource="leap2:entry"/>
<mahara:artefactplugin mahara:type="blogpost" mahara:plugin="blog"/>
{extra}</entry>"""


def archive_of(*entries: str, files: dict[str, bytes] | None = None, feed: str | None = None
               ) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("leap2a.xml", feed if feed is not None else HEAD + "".join(entries)
                   + "</feed>")
        for name, data in (files or {}).items():
            z.writestr(name, data)
    out.seek(0)
    return out
