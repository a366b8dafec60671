"""`usbmon-js devices`: every USB printer-class device, with its 1284 ID and decoded port status.

`--emu SPEC` first publishes simulated printers as emulated USB devices (umockdev), so the
listing can be tried, and tested, without hardware.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from usbmon_js.cli.port_setup import add_quirk_options, quirk_table
from usbmon_js.devices.usb.discovery import find_printers
from usbmon_js.devices.usb.listing import PrinterListing, describe_printer


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "devices",
        help="list USB printer-class devices (IDs, interfaces, 1284 device ID, port status)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help='print {"devices": [...]} as JSON')
    p.add_argument(
        "--emu",
        action="append",
        default=[],
        metavar="SIM_SPEC",
        help="also publish this simulated printer as an emulated USB device (e.g. sim:printer.yaml)",
    )
    add_quirk_options(p)


def main(args: argparse.Namespace) -> int:
    table = quirk_table(args)
    published = []
    if args.emu:
        from usbmon_js.devices.emu import publish
        from usbmon_js.devices.spec import open_sim_model

        published = [publish(open_sim_model(spec)) for spec in args.emu]
        for printer in published:
            printer.usb_device()  # wait until libusb has seen it
    vendor_class = {(e.vendor_id, e.product_id) for e in table.entries if e.vendor_class}
    listings = [describe_printer(device, table) for device in find_printers(vendor_class)]  # type: ignore[arg-type]
    del published  # the emulated printers stay on the bus until the process ends
    if args.json:
        print(json.dumps({"devices": [item.model_dump(by_alias=True) for item in listings]}, indent=2))
    else:
        render_devices(Console(highlight=False, soft_wrap=True), listings)
    return 0


def render_devices(console: Console, listings: list[PrinterListing]) -> None:
    if not listings:
        console.print(
            "No USB printer-class devices found. (Listed by lsusb but not here? See README: udev rule.)"
        )
        return
    for item in listings:
        name = " ".join(part for part in (item.manufacturer, item.product) if part) or "(no name)"
        console.print(
            f"[bold]{escape(item.spec)}[/bold]  {escape(name)}  bus {item.bus} address {item.address}"
        )
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_row("serial", escape(item.serial or "-"))
        for interface in item.interfaces:
            endpoints = ", ".join(
                f"{label} 0x{ep:02x}"
                for label, ep in (("OUT", interface.out_endpoint), ("IN", interface.in_endpoint))
                if ep is not None
            )
            driver = " (kernel driver attached)" if interface.kernel_driver_active else ""
            table.add_row(
                f"interface {interface.number}",
                f"{interface.protocol_name} (protocol {interface.protocol}); {endpoints}{driver}",
            )
        table.add_row("device ID", escape(item.device_id if item.device_id is not None else "-"))
        for quirk in item.device_id_quirks:
            table.add_row("", f"[yellow]{escape(quirk)}[/yellow]")
        table.add_row("port status", item.port_status.text if item.port_status else "-")
        if item.quirks:
            table.add_row("quirks", ", ".join(item.quirks))
        for problem in item.problems:
            table.add_row("[red]problem[/red]", escape(problem))
        console.print(table)
