"""report.pdf: the page printed on A4 by the Chromium that draws the charts, through the DevTools protocol's
Page.printToPDF (choreographer, which kaleido already drives: no dependency beyond the runtime's own).

The page carries its print styles (templates/page.html, @media print): a cover, the contents, no chart or
table across a page break, no data tables under the charts. Chromium adds the page numbers in the footer."""
from __future__ import annotations

import asyncio
import base64
import html
from pathlib import Path

from pipeline.config import Config
from pipeline.publication.images import NoBrowser

# A4 and its margins in millimetres, the same as the page's @page rule (a reader printing from a browser gets
# the same pages); the bottom margin holds the footer
PAPER = (210, 297)
MARGINS = {"top": 16, "bottom": 18, "left": 15, "right": 15}
MM_PER_INCH = 25.4
CSS_PX_PER_MM = 96 / MM_PER_INCH
SECONDS = 120  # the whole print, Chromium's start included

# resolves when plotly.js has drawn every chart of the page (a chart not yet drawn would print empty)
DRAWN = """new Promise((done, fail) => {
  const start = Date.now();
  const look = () => {
    const plots = [...document.querySelectorAll('div.plot')];
    if (plots.every(d => d.querySelector('svg.main-svg'))) return done(plots.length);
    if (Date.now() - start > 60000) return fail(new Error('the charts were not drawn within 60 s'));
    setTimeout(look, 50);
  };
  look();
})"""


def footer_template(text: str) -> str:
    """Chromium's footer: `text` (labels pdf.footer, with {page} and {pages}) at the foot of every page. The
    footer is its own document: it has no styles but its own, and Chromium fills the two spans."""
    filled = html.escape(text).replace("{page}", '<span class="pageNumber"></span>').replace(
        "{pages}", '<span class="totalPages"></span>')
    # no ligatures: the footer's text copies and searches as typed ("fi", not one glyph)
    return (f'<div style="font-family: sans-serif; font-size: 8px; font-variant-ligatures: none; color: #555; '
            f'width: 100%; '
            f'margin: 0 {MARGINS["left"]}mm; text-align: center;">{filled}</div>')


def print_pdf(page_file: Path, config: Config, footer: str) -> Path:
    """report.pdf beside `page_file` (the edition's report.html), `footer` on every page (labels pdf.footer:
    {page} and {pages} are filled in by Chromium). Raises NoBrowser when there is no Chromium or it fails."""
    import choreographer
    from choreographer.errors import BrowserFailedError, ChromeNotFoundError

    target = page_file.parent / "report.pdf"
    # the window as wide as the paper between the margins: plotly.js draws each chart at the width it
    # will print at (it draws on screen, before the print layout, and would otherwise print at the window's width)
    width = round((PAPER[0] - MARGINS["left"] - MARGINS["right"]) * CSS_PX_PER_MM)
    inches = {f"margin{side.title()}": mm / MM_PER_INCH for side, mm in MARGINS.items()}

    async def command(tab, method: str, **params) -> dict:
        response = await tab.send_command(method, params=params)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error'].get('message', response['error'])}")
        return response["result"]

    async def draw() -> bytes:
        async with choreographer.Browser(path=config.browser or None, headless=True) as browser:
            tab = await browser.create_tab("")
            await command(tab, "Emulation.setEmulatedMedia", media="print")
            await command(tab, "Emulation.setDeviceMetricsOverride", width=width, height=1000, deviceScaleFactor=1,
                          mobile=False)
            await command(tab, "Page.enable")
            loaded = tab.subscribe_once("Page.loadEventFired")
            await command(tab, "Page.navigate", url=page_file.resolve().as_uri())
            await loaded
            drawn = await command(tab, "Runtime.evaluate", expression=DRAWN, awaitPromise=True, returnByValue=True)
            if "exceptionDetails" in drawn:
                raise RuntimeError(drawn["exceptionDetails"].get("exception", {}).get("description", "charts not drawn"))
            printed = await command(
                tab, "Page.printToPDF", paperWidth=PAPER[0] / MM_PER_INCH, paperHeight=PAPER[1] / MM_PER_INCH,
                **inches, printBackground=True, displayHeaderFooter=True, headerTemplate="<span></span>",
                footerTemplate=footer_template(footer),
                # the headings as the PDF's bookmarks, and a tagged PDF a screen reader can follow
                generateDocumentOutline=True, generateTaggedPDF=True)
            return base64.b64decode(printed["data"])

    try:
        data = asyncio.run(asyncio.wait_for(draw(), SECONDS))
    except ChromeNotFoundError:
        where = f" at {config.browser}" if config.browser else ""
        raise NoBrowser(f"no Chromium{where} to print report.pdf, so it was not written (everything else was): "
                        "install it (Debian: apt-get install chromium) or set BROWSER_PATH or charts.browser in "
                        "tipstats.toml to a Chrome or Chromium") from None
    except (BrowserFailedError, OSError, RuntimeError, asyncio.TimeoutError) as e:
        raise NoBrowser(f"Chromium could not print report.pdf ({type(e).__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else 'no message'}), so it was not written "
                        "(everything else was)") from None
    target.write_bytes(data)
    return target
