"""The country pack: one country's law, institutions and words as data (docs/packs.md).

The pack in use is chosen once per process: `use(name_or_path)` (the command's `--pack`), else the
environment variable TIPSTATS_PACK, else `[pack] name` of the configuration file, else `kosovo`.
"""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

PACKS_DIR = Path(__file__).parent / "packs"
DEFAULT = "kosovo"
ENCODINGS = ("cp1250", "cp1252", "iso-8859-2")  # the single-byte encodings a pack may accept besides UTF-8
LAW_IN_FORCE = ("most_lenient", "offence_time")
# files that do not change what is loaded or counted: the pack's hash leaves them out
NOT_HASHED = ("README.md", "mappings", "sample.toml", "templates.toml")


class PackError(ValueError):
    """A pack that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Instance:
    code: str
    level: str  # the level of codes/region.csv whose courts decide at this instance
    rank: int   # 1 = first instance


@dataclass(frozen=True)
class Pack:
    root: Path
    name: str
    country: str
    country_code: str
    languages: tuple[str, ...]
    version: str
    national_citizenship: tuple[str, ...]
    currency: str
    fine_column: str
    age_of_criminal_responsibility: int
    earliest_date: date
    true_words: tuple[str, ...]
    false_words: tuple[str, ...]
    encodings: tuple[str, ...]
    instances: tuple[Instance, ...]
    investigation_levels: tuple[str, ...]
    office_levels: tuple[str, ...]
    prosecution_court_levels: tuple[str, ...]
    law_in_force: str
    plea_agreement_is_ground: bool

    @property
    def court_levels(self) -> tuple[str, ...]:
        return tuple(i.level for i in self.instances)

    @property
    def first_instance(self) -> Instance:
        return self.instances[0]

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @property
    def content_hash(self) -> str:
        return content_hash(self.root)


def content_hash(root: Path) -> str:
    """SHA-256 over the pack's files that decide what is loaded and counted (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] in NOT_HASHED or "__pycache__" in relative.parts:
            continue
        digest.update(str(relative.as_posix()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def locate(choice: str) -> Path:
    """A pack's folder from its name (contracts/packs/<name>) or a path to a folder holding pack.toml."""
    given = Path(choice).expanduser()
    if (given / "pack.toml").is_file() and ("/" in choice or choice.startswith(".")):
        return given.resolve()
    named = PACKS_DIR / choice
    if (named / "pack.toml").is_file():
        return named
    have = ", ".join(sorted(p.parent.name for p in PACKS_DIR.glob("*/pack.toml")))
    raise PackError(f"no pack {choice!r}: give the name of a folder of contracts/packs ({have}) "
                    "or the path of a folder holding pack.toml")


@cache
def load(root: Path) -> Pack:
    path = root / "pack.toml"
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PackError(f"{path}: not valid UTF-8 TOML: {e}") from None

    def get(section: str, key: str, kind, default=None):
        value = doc.get(section, {}).get(key, default)
        if value is None:
            raise PackError(f"{path}: [{section}] {key} is missing")
        if kind is list:
            if not (isinstance(value, list) and all(isinstance(v, (str, dict)) for v in value)):
                raise PackError(f"{path}: [{section}] {key} takes a list, not {value!r}")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PackError(f"{path}: [{section}] {key} takes {kind.__name__}, not {value!r}")
        return value

    encodings = tuple(e.lower() for e in get("files", "encodings", list, []))
    unknown = sorted(set(encodings) - set(ENCODINGS))
    if unknown:
        raise PackError(f"{path}: [files] encodings {unknown} not among {', '.join(ENCODINGS)}")
    in_force = get("law", "in_force", str)
    if in_force not in LAW_IN_FORCE:
        raise PackError(f"{path}: [law] in_force is {in_force!r}: choose {' or '.join(LAW_IN_FORCE)}")
    instances = []
    for rank, item in enumerate(get("courts", "instances", list), start=1):
        if not (isinstance(item, dict) and isinstance(item.get("code"), str) and isinstance(item.get("level"), str)):
            raise PackError(f"{path}: [courts] instances: each item is {{ code = \"…\", level = \"…\" }}, not {item!r}")
        instances.append(Instance(item["code"], item["level"], rank))
    if not instances:
        raise PackError(f"{path}: [courts] instances lists no instance")
    try:
        earliest = date.fromisoformat(get("dates", "earliest", str))
    except ValueError:
        raise PackError(f"{path}: [dates] earliest is not a date YYYY-MM-DD") from None
    return Pack(
        root=root,
        name=get("pack", "name", str),
        country=get("pack", "country", str),
        country_code=get("pack", "country_code", str),
        languages=tuple(get("pack", "languages", list)),
        version=get("pack", "version", str),
        national_citizenship=tuple(get("citizenship", "national", list)),
        currency=get("money", "currency", str),
        fine_column=get("money", "fine_column", str),
        age_of_criminal_responsibility=get("people", "age_of_criminal_responsibility", int),
        earliest_date=earliest,
        true_words=tuple(w.lower() for w in get("booleans", "true", list, [])),
        false_words=tuple(w.lower() for w in get("booleans", "false", list, [])),
        encodings=encodings,
        instances=tuple(instances),
        investigation_levels=tuple(get("courts", "investigation_levels", list)),
        office_levels=tuple(get("courts", "office_levels", list)),
        prosecution_court_levels=tuple(get("courts", "prosecution_court_levels", list)),
        law_in_force=in_force,
        plea_agreement_is_ground=get("law", "plea_agreement_is_ground", bool),
    )


_chosen: str | None = None


def choose(choice: str | None) -> None:
    """Make `choice` (a name or a path; None = the default resolution) the pack of this process; it is
    looked for when first used (PackError then)."""
    global _chosen
    _chosen = choice


def use(choice: str | None) -> Pack:
    """choose(choice) and load it."""
    choose(choice)
    return active()


def chosen() -> str:
    if _chosen:
        return _chosen
    if os.environ.get("TIPSTATS_PACK"):
        return os.environ["TIPSTATS_PACK"]
    return configured() or DEFAULT


def configured() -> str | None:
    """`[pack] name` of $TIPSTATS_CONFIG or ./tipstats.toml (the file's other keys are pipeline.config's)."""
    given = os.environ.get("TIPSTATS_CONFIG")
    path = Path(given) if given else Path("tipstats.toml")
    if not given and not path.exists():
        return None
    section = read_configuration(path).get("pack", {})
    name = section.get("name") if isinstance(section, dict) else None
    return name if isinstance(name, str) and name else None


def read_configuration(path: Path) -> dict:
    """The configuration file as TOML (parsed once for the same bytes, and shared: not to be changed); PackError
    with one line saying what to do when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PackError(f"cannot read the configuration {path}: {e.strerror}: check TIPSTATS_CONFIG") from None
    return _parsed_configuration(data, str(path))


@lru_cache(maxsize=8)
def _parsed_configuration(data: bytes, name: str) -> dict:
    """The TOML of these bytes, parsed once: the active pack is asked for on every row reason and code list,
    and each asks which pack the configuration names (the bytes are read again each time, so that an edited
    file is seen)."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:  # tomllib reads UTF-8 only
        raise PackError(f"{name}: not UTF-8 text (byte {e.start + 1} is not UTF-8): save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise PackError(f"{name}: not valid TOML: {e}") from None


def active() -> Pack:
    return load(locate(chosen()))
