"""Fitting a comment made of sections into GitHub's limit (65,536 characters per comment body).

Sections come in the order a reader needs them and are added in that order. A section that does not fit
whole keeps its heading and as many of its entries as fit, then a line saying how many were left out and
where they are; one that cannot even show that is left out and named in the final notice. So any number
of changes gives a comment within the limit, with what matters most first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Longest single entry (a risk, a table row, one stack's plan): longer ones are cut, so every entry can fit.
MAX_ENTRY_CHARS = 4_000
#: The smallest limit :func:`fit` accepts: room for the title, the notices and the first entries.
MIN_CHARS = 4_000


@dataclass(frozen=True)
class Section:
    """Markdown added whole, or cut between entries.

    Attributes:
        name: What the section is, for the notices ("risks", "plan details").
        head: Text before the entries (a heading, a table header); kept whenever the section is.
        entries: Lines or blocks, each ending with a newline.
        tail: Text after the entries (a closing ``</details>``); kept whenever the section is.
        share: The largest part of the limit the section may take when the whole comment does not fit, so a long
            list (hundreds of risks) leaves room for the sections after it. Default: all that is left.
    """

    name: str
    head: str
    entries: tuple[str, ...] = ()
    tail: str = ""
    share: float = 1.0

    @property
    def text(self) -> str:
        return self.head + "".join(self.entries) + self.tail

    def cut(self, room: int, where: str) -> str | None:
        """The section within ``room`` characters, its later entries left out; None when not even that fits."""
        kept, count = "", 0
        for entry in self.entries:
            more = _more_line(self.name, len(self.entries) - count - 1, where)
            if len(self.head) + len(kept) + len(entry) + len(more) + len(self.tail) > room:
                break
            kept += entry
            count += 1
        text = self.head + kept + _more_line(self.name, len(self.entries) - count, where) + self.tail
        return text if len(text) <= room else None


def _more_line(name: str, left_out: int, where: str) -> str:
    return f"\n_... and {left_out} more ({name}): see {where}._\n" if left_out else ""


def clip(entry: str) -> str:
    """An entry of at most :data:`MAX_ENTRY_CHARS` characters: a longer one is cut at the end of a line (else at the
    limit) and says so."""
    if len(entry) <= MAX_ENTRY_CHARS:
        return entry
    marker = "\n_(cut here: too long for one entry)_\n\n"
    kept = entry[: MAX_ENTRY_CHARS - len(marker)]
    if "\n" in kept:
        kept = kept[: kept.rindex("\n")]
    return kept + marker


def fit(head: str, sections: Sequence[Section], max_chars: int, where: str) -> str:
    """``head`` and as much of ``sections`` as fits in ``max_chars``, with a notice naming what was shortened."""
    if max_chars < MIN_CHARS:
        raise ValueError(f"max_chars {max_chars}: must be at least {MIN_CHARS} to hold the title and the notices")
    whole = head + "".join(section.text for section in sections)
    if len(whole) <= max_chars:
        return whole
    notice = _notice([section.name for section in sections], where)
    body, shortened = head, []
    for section in sections:
        room = min(max_chars - len(notice) - len(body), int(max_chars * section.share))
        if len(section.text) <= room:
            body += section.text
            continue
        shortened.append(section.name)
        body += section.cut(room, where) or ""
    return body + _notice(shortened, where)


def _notice(names: Sequence[str], where: str) -> str:
    return (f"\n---\n**Shortened** to fit GitHub's comment limit ({', '.join(names)} cut or left out): the whole "
            f"report is in {where}.\n")
