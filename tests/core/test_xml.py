from __future__ import annotations

from gateway.mws.xml import escape_attr, escape_text, render_document


def test_escaping_and_invalid_characters() -> None:
    assert escape_text("plain ASCII 123") == "plain ASCII 123"
    assert escape_text("a<b & c>d") == "a&lt;b &amp; c&gt;d"
    assert escape_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    assert escape_text("bell\x07 nul\x00") == "bell\ufffd nul\ufffd"
    assert escape_text("é ü 日本 &") == "é ü 日本 &amp;"
    assert escape_text("\ud800x\uffff") == "\ufffdx\ufffd"
    assert escape_attr('say "hi" & <bye>') == "say &quot;hi&quot; &amp; &lt;bye&gt;"


def test_render_document_shapes() -> None:
    body = render_document(
        (
            "Root",
            [
                ("Empty", None),
                ("EmptyList", []),
                ("Text", "x&y"),
                ("Attr", "v", {"status": "Success"}),
                ("Nested", [("Leaf", "1")]),
            ],
        ),
        "urn:example",
    )
    assert body == (
        b'<?xml version="1.0"?>\n<Root xmlns="urn:example"><Empty/><EmptyList/>'
        b'<Text>x&amp;y</Text><Attr status="Success">v</Attr><Nested><Leaf>1</Leaf></Nested>'
        b"</Root>\n"
    )
