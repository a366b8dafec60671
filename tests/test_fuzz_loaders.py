"""Fuzzing every loader of untrusted input: a result or a BadInput with a message, never a traceback.

Bidi XML, driver events XML, manifests, device fixtures, property bags, driver scripts, replay
transcripts, umockdev recordings and USB quirk files come from vendors, users and printers. Each
loader gets random bytes, documents built from its own vocabulary, and damaged copies of the
bundled samples (cut, spliced, overwritten, values swapped for anything JSON or YAML can hold).
Whatever it is given, it must return or raise BadInput whose message is one paragraph; and the
command line must turn that into exit status 2 with the same message and no traceback.
"""

from __future__ import annotations

import codecs
import json
import lzma
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_accounting_properties import PROPERTY, examples

from usbmon_js.cli.main import main
from usbmon_js.devices.replay import ioctl_import, load_replay, parse_transcript
from usbmon_js.devices.replay.ioctl_import import load_ioctl_recording, parse_ioctl_recording
from usbmon_js.devices.sim import load_fixture, parse_fixture
from usbmon_js.devices.usb.quirks import CUPS_FLAGS, load_quirk_file, parse_cups_quirks, parse_quirk_yaml
from usbmon_js.engine.quickjs import check_syntax
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import NAMESPACE as BIDI_NS
from usbmon_js.formats.bidi_xml import parse_bidi_xml
from usbmon_js.formats.driver_events import NAMESPACE as EVENTS_NS
from usbmon_js.formats.driver_events import parse_driver_events
from usbmon_js.formats.manifest import load_manifest
from usbmon_js.formats.property_file import load_property_file

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
BIDI_SAMPLES = sorted(SCRIPTS.glob("*.xml"))
BIDI_SAMPLES.remove(SCRIPTS / "host_based_duplex_events.xml")
EVENTS_SAMPLE = SCRIPTS / "host_based_duplex_events.xml"
MANIFEST_SAMPLES = sorted(SCRIPTS.glob("*-manifest.ini"))
FIXTURE_SAMPLES = sorted((ROOT / "fixtures" / "devices").rglob("*.yaml"))
IOCTL_SAMPLE = ROOT / "fixtures" / "transcripts" / "pjl_status_job.ioctl"
SCRIPT_SAMPLES = [SCRIPTS / "pjl_passthrough.js", ROOT / "tests" / "scripts" / "utf16_crlf.js"]
FUZZ = settings(PROPERTY, max_examples=examples(60), suppress_health_check=list(HealthCheck))
# A CLI run costs far more than a loader call: a twentieth of the soak's count, at least 8.
CLI = settings(PROPERTY, max_examples=max(8, examples(8) // 20), suppress_health_check=list(HealthCheck))

TRANSCRIPT = {
    "format": "usbmon-js-transcript",
    "version": 1,
    "header": {"spec": "sim", "transport": "sim", "device_id": "MFG:Acme;MDL:Fuzz;", "port_status": 24},
    "transfers": [
        {"t": 0, "op": "device_id", "out_offset": 0, "text": "MFG:Acme;MDL:Fuzz;"},
        {"t": 0.1, "op": "write", "offered": 4, "out_offset": 0, "data": "1b451b45"},
        {"t": 0.2, "op": "read", "out_offset": 4, "data": "0c"},
        {"t": 0.3, "op": "write", "status": "refused", "offered": 2, "out_offset": 4},
    ],
}
PROPERTY_BAG = {
    "QueuePropName": "Office 3rd floor",
    "Config:DuplexUnit": "Installed",
    "Copies": 2,
    "Color": True,
    "ColorModel": {"type": "Bytes", "value": "0a0b0c"},
}
QUIRK_FILE = {"quirks": [{"vendor_id": 0x04B8, "product_id": 5, "unidirectional": True, "model": "^Laser"}]}


# --- what every loader must do ---------------------------------------------------------------------


def assert_one_paragraph(message: str) -> None:
    assert message.strip(), "a BadInput needs a message"
    assert "Traceback" not in message
    assert "\n" not in message.strip(), f"not one paragraph: {message!r}"


def loads_or_rejects(load: Callable[[], object]) -> str | None:
    """Run a loader; None when it accepted the input, else its BadInput message (checked)."""
    try:
        load()
    except BadInput as exc:
        assert_one_paragraph(str(exc))
        return str(exc)
    return None


# --- generic damage -----------------------------------------------------------------------------------


@st.composite
def damaged(draw: Any, seed: bytes) -> bytes:
    """`seed` damaged in one to four places: cut short, bytes dropped, repeated, overwritten or inserted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        end = draw(st.integers(at, min(len(data), at + 64)))
        kind = draw(st.sampled_from(["cut", "drop", "repeat", "overwrite", "insert"]))
        if kind == "cut":
            del data[at:]
        elif kind == "drop":
            del data[at:end]
        elif kind == "repeat":
            data[at:at] = data[at:end]
        elif kind == "overwrite":
            data[at:end] = draw(st.binary(min_size=end - at, max_size=end - at))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(TOKENS))
    return bytes(data)


TOKENS = b'< > </ /> " = &amp; &#0; ]]> <!-- \x00 \xff \r\n : - #'.split(b" ")


def damaged_sample(samples: list[Path]) -> Any:
    return st.sampled_from(samples).flatmap(lambda path: damaged(path.read_bytes()))


json_values: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place inside a JSON-like value (mapping keys and list indexes), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def reshaped(draw: Any, seed: dict) -> Any:
    """`seed` (a JSON-like document) with a value replaced, a key dropped or an unknown key added."""
    document = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        if not path:
            document = draw(json_values) if draw(st.integers(0, 9)) == 0 else document
            continue
        *parents, last = path
        container = document
        for step in parents:
            container = container[step]
        kind = draw(st.sampled_from(["replace", "drop", "add"]))
        if kind == "replace":
            container[last] = draw(json_values)
        elif kind == "drop":
            del container[last]
        elif isinstance(container, dict):
            container[draw(st.text(max_size=12))] = draw(json_values)
        else:
            container.insert(last, draw(json_values))
    return document


def as_text(document: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document)
    return yaml.safe_dump(document, allow_unicode=True)


def documents(seed: dict) -> Any:
    """Texts (YAML or JSON, with the format) of reshaped or damaged copies of `seed`, or random text."""
    reshaped_text = st.tuples(reshaped(seed), st.sampled_from(["yaml", "json"])).map(
        lambda pair: (as_text(pair[0], pair[1]), pair[1])
    )
    damaged_text = st.sampled_from(["yaml", "json"]).flatmap(
        lambda fmt: damaged(as_text(seed, fmt).encode()).map(
            lambda raw: (raw.decode("utf-8", errors="replace"), fmt)
        )
    )
    random_text = st.tuples(st.text(max_size=200), st.sampled_from(["yaml", "json"]))
    return st.one_of(reshaped_text, damaged_text, random_text)


# --- XML documents from each file's own vocabulary ----------------------------------------------------

xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=24)
BIDI_TAGS = [
    "Property", "Value", "Const", "Event", "BuiltIn", "PortStatus", "Status", "IndexedProperty",
    "NonIndexedProperty",
]  # fmt: skip
BIDI_ATTRIBUTES = [
    "name", "type", "accessType", "queryKey", "refreshInterval", "drvPrinterEvent", "value", "id",
    "Keyword", "Code", "Severity",
]  # fmt: skip
EVENT_TAGS = ["DriverEvent", "Transport", "Query", "Trigger", "StandardMessage", "StringParameter"]
EVENT_ATTRIBUTES = ["eventId", "result", "comparison", "value", "resourceId", "index", "schemaVersion"]
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from(
        [
            "Printer", "Status", "BIDI_INT", "BIDI_STRING", "BIDI_BOOL", "BIDI_FLOAT", "BIDI_BLOB",
            "BIDI_ENUM", "BIDI_TEXT", "BIDI_NULL", "Get", "Set", "GetSet", "true", "false", "1", "0",
            "-1", "+7", " 5 ", "99999999999999999999", "1e3", "NaN", "", "USB", "EqualTo", "LessThan",
            "\\Printer.Status.Summary:State", "{3F8A2C61-7D45-4E0B-A1C9-5B62E0D47F38}", "4.0",
        ]
    ),
    xml_text,
)  # fmt: skip


def elements(tags: list[str], attributes: list[str]) -> Any:
    leaf = st.tuples(
        st.sampled_from(tags),
        st.dictionaries(st.sampled_from(attributes), ATTRIBUTE_VALUES, max_size=4),
        st.one_of(st.none(), xml_text),
        st.just([]),
    )
    return st.recursive(
        leaf,
        lambda children: st.tuples(
            st.sampled_from(tags),
            st.dictionaries(st.sampled_from(attributes), ATTRIBUTE_VALUES, max_size=4),
            st.one_of(st.none(), xml_text),
            st.lists(children, max_size=4),
        ),
        max_leaves=12,
    )


def _build(parent: etree._Element, node: tuple) -> None:
    tag, attributes, text, children = node
    element = etree.SubElement(parent, tag, attributes)
    element.text = text
    for child in children:
        _build(element, child)


@st.composite
def vocabulary_xml(draw: Any, root: str, namespace: str, tags: list[str], attributes: list[str]) -> bytes:
    prefix = root.split(":")[0]
    element = etree.Element(f"{{{namespace}}}{root.split(':')[1]}", nsmap={prefix: namespace})
    if draw(st.booleans()):
        element.set("schemaVersion", draw(ATTRIBUTE_VALUES))
    for child in draw(st.lists(elements(tags, attributes), max_size=4)):
        _build(element, child)
    encoding = draw(st.sampled_from(["utf-8", "utf-16"]))
    return etree.tostring(element, xml_declaration=True, encoding=encoding)


def xml_inputs(samples: list[Path], vocabulary: Any) -> Any:
    return st.one_of(
        st.binary(max_size=400),
        vocabulary,
        damaged_sample(samples),
        st.sampled_from(samples).map(lambda path: codecs.BOM_UTF16_LE + path.read_text().encode("utf-16-le")),
    )


BIDI_XML = xml_inputs(BIDI_SAMPLES, vocabulary_xml("bidi:Schema", BIDI_NS, BIDI_TAGS, BIDI_ATTRIBUTES))
EVENTS_XML = xml_inputs(
    [EVENTS_SAMPLE], vocabulary_xml("de:DriverEvents", EVENTS_NS, EVENT_TAGS, EVENT_ATTRIBUTES)
)


# --- the loaders ---------------------------------------------------------------------------------------


@FUZZ
@given(data=BIDI_XML)
def test_bidi_extension_xml(data: bytes) -> None:
    loads_or_rejects(lambda: parse_bidi_xml(data, "fuzz.xml"))


@FUZZ
@given(data=EVENTS_XML)
def test_driver_events_xml(data: bytes) -> None:
    loads_or_rejects(lambda: parse_driver_events(data, "events.xml"))


MANIFEST_SECTIONS = st.sampled_from(["BidiFiles", "DriverConfig", "bidifiles", "Version", ""])
MANIFEST_KEYS = st.sampled_from(
    ["BidiUSBJSFile", "BidiUSBFile", "EventFile", "Flags", "BidiUSBStatusInterface", "DriverCategory"]
)
MANIFEST_VALUES = st.one_of(
    st.sampled_from(
        [
            "driver.js", "driver.xml", "missing.js", '"driver.js"', "HostBasedDevice",
            "HostBasedDevice|SoftResetOnJobCancellation", "Bogus,", "../driver.js", "/", "a" * 300,
        ]
    ),
    st.text(max_size=30),
)  # fmt: skip
MANIFEST_LINES = st.one_of(
    st.builds(lambda section: f"[{section}]", MANIFEST_SECTIONS),
    st.builds(lambda key, value: f"{key}={value}", MANIFEST_KEYS, MANIFEST_VALUES),
    st.builds(lambda key, value: f"{key} : {value} ; note", MANIFEST_KEYS, MANIFEST_VALUES),
    st.text(max_size=40),
)
MANIFESTS = st.one_of(
    st.lists(MANIFEST_LINES, max_size=10).map(
        lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
    ),
    damaged_sample(MANIFEST_SAMPLES),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the files the fuzzed inputs are written to (and the files a manifest names)."""
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "driver.js").write_text("function startPrintJob() { return 0; }\n")
    (folder / "driver.xml").write_bytes((SCRIPTS / "pjl_passthrough.xml").read_bytes())
    return folder


@FUZZ
@given(data=MANIFESTS)
def test_manifest(workdir: Path, data: bytes) -> None:
    path = workdir / "fuzz-manifest.ini"
    path.write_bytes(data)
    loads_or_rejects(lambda: load_manifest(path))


@FUZZ
@given(
    document=st.one_of(
        documents({"name": "Fuzz", "max_write": 7, "busy": [{"after_bytes": 10, "writes": 2}]}),
        st.sampled_from(FIXTURE_SAMPLES).flatmap(
            lambda path: damaged(path.read_bytes()).map(lambda raw: (raw.decode("utf-8", "replace"), "yaml"))
        ),
        st.sampled_from(FIXTURE_SAMPLES).flatmap(
            lambda path: reshaped(yaml.safe_load(path.read_text())).map(
                lambda doc: (as_text(doc, "yaml"), "yaml")
            )
        ),
    )
)
def test_device_fixture(document: tuple[str, str]) -> None:
    text, fmt = document
    loads_or_rejects(lambda: parse_fixture(text, f"fuzz.{fmt}", fmt))  # type: ignore[arg-type]


@FUZZ
@given(document=documents(PROPERTY_BAG), raw=st.none() | st.binary(max_size=100))
def test_property_bag_file(workdir: Path, document: tuple[str, str], raw: bytes | None) -> None:
    text, fmt = document
    path = workdir / f"props.{fmt}"
    path.write_bytes(raw if raw is not None else text.encode("utf-8", "surrogatepass"))
    loads_or_rejects(lambda: load_property_file(path, "--queue-props"))


BOMS = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])


@FUZZ
@given(
    raw=st.one_of(
        st.tuples(BOMS, st.binary(max_size=300)).map(b"".join),
        damaged_sample(SCRIPT_SAMPLES),
    )
)
def test_driver_script(raw: bytes) -> None:
    def load() -> None:
        check_syntax(DriverScript.from_bytes(Path("fuzz.js"), raw))  # syntax errors are BadInput too

    loads_or_rejects(load)


@FUZZ
@given(document=documents(TRANSCRIPT))
def test_replay_transcript(document: tuple[str, str]) -> None:
    text, _ = document
    loads_or_rejects(lambda: parse_transcript(text, "job.json"))


URB_LINES = st.builds(
    lambda name, numbers, data: " ".join([name, *numbers, data]),
    st.sampled_from(["USBDEVFS_REAPURBNDELAY", "USBDEVFS_REAPURB", "USBDEVFS_CLAIMINTERFACE", "ioctl"]),
    st.lists(
        st.one_of(st.integers(-200, 70000).map(str), st.sampled_from(["-", "--5", "²", "0x10", ""])),
        max_size=9,
    ),
    st.binary(max_size=24).map(bytes.hex) | st.text(max_size=8),
)
IOCTL_TEXTS = st.one_of(
    st.lists(
        st.one_of(URB_LINES, st.just("@DEV /dev/bus/usb/001/002"), st.text(max_size=30)), max_size=8
    ).map("\n".join),
    damaged(IOCTL_SAMPLE.read_bytes()).map(lambda raw: raw.decode("latin-1")),
)


@FUZZ
@given(text=IOCTL_TEXTS)
def test_umockdev_recording_text(text: str) -> None:
    loads_or_rejects(lambda: parse_ioctl_recording(text, "printer.ioctl"))


@FUZZ
@given(raw=st.one_of(damaged(IOCTL_SAMPLE.read_bytes()), st.binary(max_size=200)), xz=st.booleans())
def test_umockdev_recording_file(workdir: Path, raw: bytes, xz: bool) -> None:
    path = workdir / ("printer.ioctl.xz" if xz else "printer.ioctl")
    path.write_bytes(raw)
    loads_or_rejects(lambda: load_ioctl_recording(path))


CUPS_LINES = st.lists(
    st.one_of(
        st.integers(-1, 0x1FFFF).map(lambda n: f"0x{n:04x}" if n >= 0 else "0x-1"),
        st.sampled_from([*CUPS_FLAGS, "0x", "0xZZ", "#", "# note", "usb-init"]),
        st.text(max_size=10),
    ),
    max_size=5,
).map(" ".join)


@FUZZ
@given(lines=st.lists(CUPS_LINES, max_size=6))
def test_cups_quirk_file(lines: list[str]) -> None:
    loads_or_rejects(lambda: parse_cups_quirks("\n".join(lines), "cups-usb-quirks"))


@FUZZ
@given(document=documents(QUIRK_FILE))
def test_quirk_yaml_file(document: tuple[str, str]) -> None:
    text, _ = document
    loads_or_rejects(lambda: parse_quirk_yaml(text, "quirks.yaml"))


# --- regressions found by the fuzzer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (lambda: parse_cups_quirks("0x10000 unidir", "cups"), "cups:1: vendor_id"),
        (
            lambda: parse_quirk_yaml("quirks:\n  - {vendor_id: 1, note: 2001-02-30}\n", "q.yaml"),
            "not valid YAML",
        ),
        (lambda: parse_quirk_yaml("[" * 1000, "q.yaml"), "not valid YAML"),
        (lambda: parse_ioctl_recording("USBDEVFS_REAPURB ² 3 1 0 0 4 4 0 00000000", "p.ioctl"), "RET is '²'"),
        (
            lambda: parse_ioctl_recording("USBDEVFS_REAPURB --5 3 1 0 0 4 4 0 00000000", "p.ioctl"),
            "RET is '--5'",
        ),
    ],
    ids=[
        "cups-id-above-ffff",
        "yaml-impossible-date",
        "yaml-too-deep",
        "ioctl-superscript",
        "ioctl-double-minus",
    ],
)
def test_inputs_that_used_to_escape_as_python_errors(load: Callable[[], object], message: str) -> None:
    assert message in (loads_or_rejects(load) or "")


def test_a_quirk_file_that_is_not_utf8_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "usb-quirks"
    path.write_bytes(b"\xff\xfe0x04b8 unidir\n")
    assert "is not UTF-8 text" in (loads_or_rejects(lambda: load_quirk_file(path)) or "")


def test_a_manifest_naming_a_file_too_long_for_the_file_system_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "long-manifest.ini"
    path.write_text("[BidiFiles]\nBidiUSBJSFile=" + "a" * 5000 + "\n")
    message = loads_or_rejects(lambda: load_manifest(path)) or ""
    assert f"{path}:2: BidiUSBJSFile names a file that cannot be looked up" in message


def test_a_yaml_alias_bomb_is_not_expanded(tmp_path: Path) -> None:
    """Nine levels of nine aliases would be 387 million entries if anything walked them."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    text = "\n".join(levels) + "\nbusy: *a8\n"
    assert "unknown field" in (loads_or_rejects(lambda: parse_fixture(text, "bomb.yaml")) or "")
    path = tmp_path / "props.yaml"
    path.write_text(text)
    assert loads_or_rejects(lambda: load_property_file(path, "--queue-props"))


# --- through the command line: exit status 2, the loader's message, no traceback -------------------------


def cli_shows_the_loaders_message(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    raw: bytes,
    load: Callable[[Path], object],
    args: Callable[[Path], list[str]],
) -> None:
    """Write `raw` to `name`; when `load` rejects it, the command line must say exactly that, exit 2."""
    path = workdir / name
    path.write_bytes(raw)
    message = loads_or_rejects(lambda: load(path))
    assume(message is not None)
    code = main(args(path))
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("usbmon-js: error: ")
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert_one_paragraph(captured.err)


def encoded(document: tuple[str, str]) -> bytes:
    return document[0].encode("utf-8", "surrogatepass")


@CLI
@given(raw=damaged_sample(BIDI_SAMPLES))
def test_cli_run_with_a_damaged_bidi_xml(workdir: Path, capsys: Any, raw: bytes) -> None:
    def load(path: Path) -> object:
        return parse_bidi_xml(path.read_bytes(), str(path))

    driver = str(workdir / "driver.js")
    cli_shows_the_loaders_message(
        workdir, capsys, "cli.xml", raw, load, lambda path: ["run", driver, "--bidi-xml", str(path)]
    )


@CLI
@given(raw=damaged_sample(FIXTURE_SAMPLES))
def test_cli_run_with_a_damaged_device_fixture(workdir: Path, capsys: Any, raw: bytes) -> None:
    driver = str(workdir / "driver.js")
    cli_shows_the_loaders_message(
        workdir,
        capsys,
        "cli-device.yaml",
        raw,
        load_fixture,
        lambda path: ["run", driver, "--device", f"sim:{path}"],
    )


@CLI
@given(document=documents(PROPERTY_BAG))
def test_cli_run_with_a_broken_property_bag(workdir: Path, capsys: Any, document: tuple[str, str]) -> None:
    driver = str(workdir / "driver.js")
    cli_shows_the_loaders_message(
        workdir,
        capsys,
        f"cli-props.{document[1]}",
        encoded(document),
        lambda path: load_property_file(path, "--driver-props"),
        lambda path: ["run", driver, "--driver-props", str(path)],
    )


@CLI
@given(raw=damaged_sample(SCRIPT_SAMPLES))
def test_cli_run_with_a_damaged_script(workdir: Path, capsys: Any, raw: bytes) -> None:
    def load(path: Path) -> None:
        check_syntax(DriverScript.from_file(path))

    cli_shows_the_loaders_message(
        workdir, capsys, "cli-driver.js", raw, load, lambda path: ["run", str(path)]
    )


@CLI
@given(document=documents(TRANSCRIPT))
def test_cli_run_replaying_a_broken_transcript(workdir: Path, capsys: Any, document: tuple[str, str]) -> None:
    driver = str(workdir / "driver.js")
    cli_shows_the_loaders_message(
        workdir,
        capsys,
        "cli-job.json",
        encoded(document),
        load_replay,
        lambda path: ["run", driver, "--device", f"replay:{path}"],
    )


@CLI
@given(raw=damaged_sample(MANIFEST_SAMPLES))
def test_cli_bidi_get_with_a_damaged_manifest(workdir: Path, capsys: Any, raw: bytes) -> None:
    cli_shows_the_loaders_message(
        workdir,
        capsys,
        "cli-manifest.ini",
        raw,
        load_manifest,
        lambda path: ["bidi", "get", "--manifest", str(path), "\\Printer"],
    )


def test_an_xz_recording_that_expands_past_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decompression bomb: a few KiB of xz that would expand to gigabytes is refused, not read."""
    monkeypatch.setattr(ioctl_import, "MAX_RECORDING_BYTES", 1 << 20)
    path = tmp_path / "bomb.ioctl.xz"
    path.write_bytes(lzma.compress(b"\n" * (2 << 20)))
    assert "decompresses to more than 1 MiB" in (loads_or_rejects(lambda: load_ioctl_recording(path)) or "")
    path.write_bytes(lzma.compress(IOCTL_SAMPLE.read_bytes()) + lzma.compress(b"\n") + b"junk")
    assert loads_or_rejects(lambda: load_ioctl_recording(path)) is None  # streams joined, junk ignored
