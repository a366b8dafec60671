"""Printer-class decoding, quirk tables and device specs: the pure parts of the USB transport."""

from __future__ import annotations

import json

import pytest

from usbmon_js.cli.main import main
from usbmon_js.clock import RealClock
from usbmon_js.devices.spec import open_device
from usbmon_js.devices.usb.discovery import UsbSelector
from usbmon_js.devices.usb.printer_class import (
    PortStatus,
    device_id_from_strings,
    encode_device_id,
    parse_device_id_reply,
)
from usbmon_js.devices.usb.quirks import (
    Quirks,
    QuirkTable,
    parse_cups_quirks,
    parse_quirk_option,
    parse_quirk_yaml,
)
from usbmon_js.errors import BadInput, DeviceUnavailable

ID = "MFG:Acme;MDL:Laser 9;CMD:PJL;"


def test_a_spec_conforming_reply_has_no_quirks() -> None:
    reply = len(ID.encode()).__add__(2).to_bytes(2, "big") + ID.encode()
    assert parse_device_id_reply(reply).text == ID
    assert parse_device_id_reply(reply).quirks == ()


@pytest.mark.parametrize(
    ("reply", "quirk"),
    [
        ((len(ID) + 2).to_bytes(2, "little") + ID.encode(), "little-endian length"),
        (len(ID).to_bytes(2, "big") + ID.encode(), "length excludes its own 2 bytes"),
        (
            (len(ID) + 2).to_bytes(2, "big") + ID.encode() + b"\x0b\x01",
            "2 bytes after the stated length ignored",
        ),
        (
            (len(ID) + 4).to_bytes(2, "big") + ID.encode() + b"\x0b\x01",
            "trailing garbage after the last ';' dropped",
        ),
        ((len(ID) + 40).to_bytes(2, "big") + ID.encode(), f"length {len(ID) + 40} exceeds"),
    ],
)
def test_known_deviations_still_yield_the_id_and_are_named(reply: bytes, quirk: str) -> None:
    parsed = parse_device_id_reply(reply)
    assert parsed.text == ID
    assert any(q.startswith(quirk) for q in parsed.quirks), parsed.quirks


@pytest.mark.parametrize(
    "reply", [b"", b"\x00", b"\x00\x02", b"\x00\x0a        ", b"\x00\x06\x00\x00\x00\x00"]
)
def test_empty_and_blank_replies_give_no_id(reply: bytes) -> None:
    parsed = parse_device_id_reply(reply)
    assert parsed.text == ""
    assert parsed.quirks


def test_a_final_field_without_its_semicolon_is_kept() -> None:
    text = "MFG:Acme;MDL:Laser 9"
    assert parse_device_id_reply(encode_device_id(text)).text == text


def test_every_encoding_round_trips() -> None:
    for style in ("standard", "little_endian", "length_excludes_prefix", "trailing_garbage"):
        assert parse_device_id_reply(encode_device_id(ID, style)).text == ID, style


def test_an_id_built_from_strings_has_the_required_keys() -> None:
    assert device_id_from_strings("Acme", "Laser 9", "S1") == "MFG:Acme;MDL:Laser 9;CLS:PRINTER;SN:S1;"
    assert device_id_from_strings(None, None, None) == "MFG:Unknown;MDL:Printer;CLS:PRINTER;"


@pytest.mark.parametrize(
    ("raw", "paper_empty", "selected", "error", "vendor"),
    [
        (0x18, False, True, False, 0),
        (0x38, True, True, False, 0),
        (0x10, False, True, True, 0),
        (0x00, False, False, True, 0),
        (0xD8, False, True, False, 0xC0),
    ],
)
def test_port_status_bits(raw, paper_empty, selected, error, vendor) -> None:
    status = PortStatus(raw)
    assert (status.paper_empty, status.selected, status.error, status.vendor_bits) == (
        paper_empty,
        selected,
        error,
        vendor,
    )
    assert status.describe().startswith(f"0x{raw:02x} (")


def test_cups_quirk_files_are_understood() -> None:
    entries = parse_cups_quirks(
        "# comment\n0x04e8 soft-reset\n\n0x04a9 0x10b6 unidir delay-close usb-init # why\n", "cups"
    )
    assert [(e.vendor_id, e.product_id) for e in entries] == [(0x04E8, None), (0x04A9, 0x10B6)]
    assert entries[1].settings() == {"unidirectional": True, "delay_close_ms": 1000}
    assert entries[1].source == "cups:4"


@pytest.mark.parametrize("line", ["04e8 soft-reset", "0xZZ unidir", "unidir"])
def test_a_bad_cups_line_is_named(line: str) -> None:
    with pytest.raises(BadInput, match=r"cups:1: expected 0xVVVV"):
        parse_cups_quirks(line, "cups")


def test_later_layers_win_and_sources_are_kept() -> None:
    bundled = parse_quirk_yaml("quirks: [{vendor_id: 0x1234, unidirectional: true, send_delay_ms: 5}]", "a")
    user = parse_quirk_yaml("quirks: [{vendor_id: 0x1234, product_id: 0x1, unidirectional: false}]", "b")
    model = parse_quirk_yaml("quirks: [{model: '^Laser', soft_reset_after_job: true}]", "c")
    table = QuirkTable(tuple(bundled + user + model), (parse_quirk_option("send_delay_ms=9"),))
    quirks, sources = table.for_device(0x1234, 0x1, "Laser 9")
    assert quirks == Quirks(unidirectional=False, send_delay_ms=9, soft_reset_after_job=True)
    assert sources == ["a", "b", "c", "--quirk"]
    assert table.for_device(0x1234, 0x2, "Inkjet")[0] == Quirks(unidirectional=True, send_delay_ms=9)


def test_the_bundled_table_loads() -> None:
    quirks, _ = QuirkTable.load().for_device(0x04E8, 0x3301)
    assert quirks.soft_reset_after_job


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quirks: [{product_id: 1}]", "needs vendor_id"),
        ("quirks: [{model: '('}]", "regular expression"),
        ("quirks: [{vendor_id: 1, frobnicate: true}]", "frobnicate"),
        ("quirks: [", "not valid YAML"),
    ],
)
def test_bad_quirk_files_are_bad_input(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_quirk_yaml(text, "q.yaml")


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("unidirectional", {"unidirectional": True}),
        ("unidir", {"unidirectional": True}),
        ("no-reattach=false", {"no_reattach": False}),
        ("delay_close_ms=250", {"delay_close_ms": 250}),
    ],
)
def test_quirk_options(option: str, expected: dict) -> None:
    assert parse_quirk_option(option) == expected


@pytest.mark.parametrize(
    "option", ["warp_speed", "unidirectional=maybe", "send_delay_ms=soon", "delay_close_ms=-1"]
)
def test_bad_quirk_options_are_bad_input(option: str) -> None:
    with pytest.raises(BadInput, match="--quirk"):
        parse_quirk_option(option)


@pytest.mark.parametrize("spec", ["usb:04b8", "usb:xyz:0005", "usb:04b8:0005:SN:extra", "usb:10000:1"])
def test_bad_usb_specs_are_bad_input(spec: str) -> None:
    with pytest.raises(BadInput, match="usb:VVVV:PPPP"):
        UsbSelector.parse(spec)


def test_usb_selector_parses_ids_and_serial() -> None:
    assert UsbSelector.parse("usb:04B8:0005:X1") == UsbSelector(0x04B8, 0x0005, "X1")
    assert UsbSelector.parse("usb") == UsbSelector()


def test_an_absent_usb_printer_is_reported_with_what_is_present() -> None:
    with pytest.raises(DeviceUnavailable, match=r"no USB printer dead:beef found"):
        open_device("usb:dead:beef", RealClock())


def test_run_against_an_absent_printer_exits_2(tmp_path, capsys) -> None:
    script = tmp_path / "s.js"
    script.write_text("function startPrintJob() { return 0; }")
    assert main(["run", str(script), "--device", "usb:dead:beef"]) == 2
    assert "no USB printer dead:beef found" in capsys.readouterr().err


def test_a_usb_spec_opens_a_published_printer_by_serial(tmp_path, capsys) -> None:
    fixture = tmp_path / "p.yaml"
    fixture.write_text("usb: {vendor_id: 0x0a0b, product_id: 0x0c0d, serial: PICK-ME}\n")
    assert main(["devices", "--json", "--emu", str(fixture)]) == 0
    listed = json.loads(capsys.readouterr().out)["devices"]
    assert any(item["spec"] == "usb:0a0b:0c0d:PICK-ME" for item in listed), listed
    device = open_device("usb:0a0b:0c0d:PICK-ME", RealClock())
    try:
        assert device.info.transport == "pyusb"
        assert device.model.write(b"x") == 1
    finally:
        device.close()


def test_a_blacklisted_printer_is_refused_unless_overridden(tmp_path) -> None:
    from usbmon_js.devices.emu import publish
    from usbmon_js.devices.spec import open_sim_model

    fixture = tmp_path / "p.yaml"
    fixture.write_text("usb: {vendor_id: 0x0a0b, product_id: 0x0e0f, serial: BL}\n")
    emulated = publish(open_sim_model(str(fixture)))
    try:
        with pytest.raises(DeviceUnavailable, match="blacklisted"):
            open_device("usb:0a0b:0e0f", RealClock(), QuirkTable.load(options=["blacklisted"]))
        device = open_device(
            "usb:0a0b:0e0f", RealClock(), QuirkTable.load(options=["blacklisted", "blacklisted=false"])
        )
        device.close()
    finally:
        emulated.unplug()
