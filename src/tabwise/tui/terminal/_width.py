"""Make a row's text exactly as wide, for the renderer, as the emulator made it.

The emulator (avt) gives every code point its own cell or two: a combining accent, a
zero-width joiner or a variation selector takes a cell of its own, and a skin-tone
modifier two. Rich, which Textual measures with, joins those into the grapheme before
them and counts the grapheme once (``👨‍👩‍👧`` is 2 cells to Rich, 8 to avt). Drawn as
is, such a row comes out shorter than the emulator thinks and everything right of it
(the pane border included) moves left.

So each grapheme is drawn in exactly the cells the emulator gave its code points:
:func:`fit_cells` groups the cells into graphemes the way Rich will see them, then
pads each with spaces to the emulator's count (or, when Rich would make it wider,
replaces it with narrower stand-ins). The emulator's layout, and the cursor, stay
right; the grapheme shows joined, followed by blanks where avt put its parts.

Two kinds of code point are left out of what is drawn, because the terminal tabwise
runs in may not measure them as Rich does (and then the border moves there): emoji
variation selectors (``❤️`` is 2 cells to Rich, 1 to tmux 3.3 and xterm) and skin-tone
modifiers (``👍🏽`` is 2 to Rich, 4 to tmux). ``❤`` and ``👍`` are the same width
everywhere. Joiner sequences (``👨‍👩‍👧``) are kept: tmux, Rich and the modern
terminals all draw them 2 cells wide.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

__all__ = ["fit_cells", "graphemes"]

_ZWJ = "\u200d"
_REPLACEMENT = "\ufffd"  # one cell wide everywhere
# Measured differently by Rich and by common terminals: not drawn (see above).
_AMBIGUOUS = str.maketrans(dict.fromkeys([0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)]))


def fit_cells(chars: list[str], widths: list[int]) -> str:
    """The text of cells ``chars`` (each ``widths[i]`` emulator cells wide, wide
    characters' second halves left out) such that ``cell_len(text) == sum(widths)``.

    A cell's text is usually one code point (avt); pyte keeps combining marks with
    their base, so it may be more."""
    out: list[str] = []
    count = len(chars)
    i = 0
    while i < count:
        cluster, cells = chars[i], widths[i]
        i += 1
        # A cell's first code point decides (pyte keeps a base's marks in its cell).
        while i < count and (cluster.endswith(_ZWJ)
                             or get_character_cell_size(chars[i][:1] or " ") == 0):
            cluster += chars[i]
            cells += widths[i]
            i += 1
        out.append(_fit(cluster, cells))
    return "".join(out)


def _fit(cluster: str, cells: int) -> str:
    if cluster.isascii():
        return cluster
    # A trailing joiner would make Rich join the padding that follows into the grapheme.
    cluster = cluster.translate(_AMBIGUOUS).rstrip(_ZWJ)
    width = cell_len(cluster)
    if width == cells:
        return cluster
    if width == 0:  # marks with nothing to sit on: show the cells blank
        return " " * cells
    if width < cells:
        return cluster + " " * (cells - width)
    # Rich would draw it wider than the emulator's cells (a newer Unicode table).
    return _REPLACEMENT + " " * (cells - 1) if cells else ""


def graphemes(text: str) -> list[str]:
    """``text`` split where :func:`fit_cells` splits it (each piece is drawn as one)."""
    pieces: list[str] = []
    for char in text:
        if pieces and (pieces[-1].endswith(_ZWJ) or get_character_cell_size(char) == 0):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces
