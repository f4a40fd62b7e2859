"""The page a candidate sees for a take-home link that cannot be used (used, expired, cancelled, unknown).

Same look as static/take.html's closed state; title and message are escaped, so they may carry text from the
database (an organisation's name, a reason)."""

from __future__ import annotations

from html import escape

_STYLE = """
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
         background: #f6f8fa; line-height: 1.5; }
  .closed { max-width: 40rem; margin: 12vh auto; padding: 2rem; background: #fff; border: 1px solid #d1d9e0;
            border-radius: 8px; text-align: center; }
  .closed h1 { margin: 0 0 .5rem; font-size: 1.5rem; }
  #closed-message { margin: 0; color: #59636e; white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def closed_page(title: str, message: str) -> str:
    """A complete HTML page with `title` as heading and `message` in the element id="closed-message"."""
    t, m = escape(title, quote=True), escape(message, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{t}</title>
<style>{_STYLE}</style>
</head>
<body>
<main class="closed">
<h1>{t}</h1>
<p id="closed-message">{m}</p>
</main>
</body>
</html>
"""
