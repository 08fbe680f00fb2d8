"""Vietnamese text: NFC and nothing unprintable on the way in, alphabetical order on the way out."""
import re
import unicodedata

# The Vietnamese alphabet: letters with breve, circumflex or horn, and đ, are letters of their own.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_MARKS = {
    ("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư",
}
# Tone marks order words that are otherwise equal: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def without_marks(text: str) -> str:
    """Vietnamese without its diacritics, đ as d ("Nguyễn Đức" → "Nguyen Duc"): for an SMS in GSM 7-bit, a
    search that ignores accents, a file name."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def slug(text: str) -> str:
    """"25/QĐ-UBND" → "25-qd-ubnd", "Bản Nà Bỏ" → "ban-na-bo": for a file name or a login code."""
    return re.sub(r"[^a-z0-9]+", "-", without_marks(text).lower()).strip("-")


def _letters(word: str):
    """Splits decomposed text into (base letter, tone) pairs."""
    out = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES and out:
            out[-1][1] = _TONES[ch]
        elif out and (out[-1][0], ch) in _LETTER_MARKS:
            out[-1][0] = _LETTER_MARKS[out[-1][0], ch]
        else:
            out.append([ch, 0])
    return out


def vn_sort_key(text: str):
    letters = _letters(text)
    # Word by word: a space sorts before any letter, so "Na Xa" comes before "Nam".
    primary = tuple(-1 if c == " " else _ALPHABET.index(c) if c in _ALPHABET else 100 + ord(c) for c, _ in letters)
    return primary, tuple(t for _, t in letters)


# C0 control characters but tab and line breaks: XML, so a .xlsx or .docx, cannot hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Characters that show nothing (zero-width, bidi controls, word joiner, byte-order mark, soft hyphen):
# in a name they only make two spellings of the same name look alike.
_INVISIBLE = dict.fromkeys([*range(0x200B, 0x2010), *range(0x202A, 0x202F), 0x2060, 0xFEFF, 0xAD])


def printable(text: str) -> str:
    """`text` without the control characters a spreadsheet or a Word document refuses."""
    # Searched first: almost no text has one, and a search is a fifth of the cost of translate() (bench/export.py).
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def clean(value):
    """The form filter for free text: NFC, no control characters, no surrounding blanks; absent stays absent."""
    return nfc(printable(value)).strip() if isinstance(value, str) else value


def clean_name(value):
    """The form filter for names (units, nominees, workplaces): as `clean`, and without invisible characters,
    so that a name that looks the same is the same."""
    return clean(value.translate(_INVISIBLE)) if isinstance(value, str) else value
