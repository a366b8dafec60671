"""Running the conformance suite: gather the facts once, then judge every check on them.

Order of work, each step in virtual time on fresh simulated printers:
1. decode, analyse and load the script (a script that cannot load skips everything else);
2. the baseline job on the vendor's `--device`, twice (determinism);
3. the device matrix on printers like the vendor's (scenarios.py), the fast printer first: when
   the job does not complete even there, comparing flow-control behaviour tells nothing more;
4. an empty job, two jobs on one port, other WritePort buffer sizes, and the job with the
   script reloaded before every call;
5. Bidi requests, when there is a Bidi XML;
6. the vendor's own scenarios.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from usbmon_js.clock import VirtualClock
from usbmon_js.com.property_bag import Property
from usbmon_js.conformance import (  # noqa: F401  (importing registers the checks)
    bidi_checks,
    job_checks,
    loading_checks,
    return_checks,
    robustness_checks,
    status_checks,
)
from usbmon_js.conformance.checks import CATEGORIES, REGISTRY, CheckResult
from usbmon_js.conformance.facts import BidiFacts, Facts, JobRun
from usbmon_js.conformance.harness import (
    BidiPort,
    DeviceSource,
    DriverSetup,
    JobSpec,
    run_jobs,
)
from usbmon_js.conformance.report import ConformanceReport, ScenarioSummary
from usbmon_js.conformance.scenario_checks import vendor_check
from usbmon_js.conformance.scenario_files import VendorScenario, sha256
from usbmon_js.conformance.scenarios import (
    CONFORMANCE_BUFFER_SIZE,
    Scenario,
    conformance_job,
    device_matrix,
    quiet,
    silent,
)
from usbmon_js.conformance.source import analyse_source
from usbmon_js.devices.sim.fixture import DeviceFixture, FixturePrinter, default_fixture
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.quickjs import ScriptEngine, ScriptLoadError
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import BidiSchema, DeclaredValue
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.formats.manifest import DriverManifest
from usbmon_js.portmon.settings import PipelineSettings

OTHER_BUFFER_SIZES = (65536, 100)
ROOT = "\\Printer"
_SET_DEFAULTS: dict[str, Any] = {
    "BIDI_BOOL": False,
    "BIDI_INT": 0,
    "BIDI_FLOAT": 0.0,
    "BIDI_STRING": "",
    "BIDI_TEXT": "",
    "BIDI_ENUM": "",
    "BIDI_BLOB": "",
    "BIDI_NULL": None,
}


@dataclass
class DriverUnderTest:
    """The driver's files, read and validated (bad input is reported before anything runs)."""

    script_path: Path
    raw: bytes
    manifest: DriverManifest | None = None
    bidi: BidiSchema | None = None
    events: DriverEvents | None = None
    driver_props: dict[str, Property] = field(default_factory=dict)
    queue_props: dict[str, Property] = field(default_factory=dict)


@dataclass
class ConformanceOptions:
    device: str = "sim"
    job: bytes | None = None
    settings: PipelineSettings = field(
        default_factory=lambda: PipelineSettings(buffer_size=CONFORMANCE_BUFFER_SIZE)
    )
    scenarios: list[VendorScenario] = field(default_factory=list)
    progress: Callable[[str], None] | None = None  # told what runs next (the CLI shows it)


def run_conformance(target: DriverUnderTest, options: ConformanceOptions | None = None) -> ConformanceReport:
    options = options or ConformanceOptions()
    started = time.perf_counter()
    facts = gather(target, options)
    results = evaluate(facts)
    results += [vendor_check(scenario).run(facts) for scenario in options.scenarios]
    script = facts.script
    return ConformanceReport.build(
        results,
        time.perf_counter() - started,
        script={
            "path": str(target.script_path),
            "sha256": script.sha256 if script else sha256(target.raw),
            "encoding": script.encoding if script else None,
            "entry_points": facts.entry_points,
        },
        device=options.device,
        bidi_xml=target.bidi.source if target.bidi else None,
        manifest=str(target.manifest.path) if target.manifest else None,
        scenarios=[ScenarioSummary.of(run) for run in facts.job_runs()],
        notes=facts.notes,
    )


def evaluate(facts: Facts) -> list[CheckResult]:
    """Every registered check, in category order, then by id."""
    order = {category: index for index, category in enumerate(CATEGORIES)}
    checks = sorted(REGISTRY.values(), key=lambda c: (order[c.category], c.id))
    return [c.run(facts) for c in checks]


# -- gathering the facts ------------------------------------------------------------------------


def gather(target: DriverUnderTest, options: ConformanceOptions) -> Facts:
    job = options.job if options.job is not None else conformance_job()
    facts = Facts(
        script_path=target.script_path,
        raw=target.raw,
        device_spec=options.device,
        job=job,
        manifest=target.manifest,
        bidi_xml=target.bidi,
        events=target.events,
    )
    say = options.progress or (lambda _message: None)
    try:
        facts.script = DriverScript.from_bytes(target.script_path, target.raw)
    except BadInput as exc:
        facts.decode_error = str(exc)
        return facts
    facts.source = analyse_source(facts.script.source, target.script_path.name)
    _load(facts, options.settings)
    if not facts.loaded:
        return facts

    driver = DriverSetup(
        facts.script,
        options.settings,
        target.bidi,
        target.events,
        bool(target.manifest and target.manifest.status_interfaces),
        target.driver_props,
        target.queue_props,
    )
    if target.manifest and target.manifest.soft_reset_on_cancel:
        driver = driver.with_settings(soft_reset_on_cancel=True)
    vendor_device = DeviceSource.from_spec(options.device)
    base = _base_fixture(options.device, facts)

    say(f"baseline job on {options.device}")
    facts.baseline = _one(
        driver, vendor_device, JobSpec("baseline", f"the vendor's printer ({options.device})", job)
    )
    if facts.has_job_functions:
        facts.baseline_again = _one(
            driver, vendor_device, JobSpec("baseline-again", "the vendor's printer, second run", job)
        )
        _gather_jobs(facts, driver, base, job, say)
    if target.bidi is not None:
        say("Bidi requests")
        try:
            facts.bidi = _gather_bidi(driver, vendor_device, base, target.bidi, facts)
        except BadInput as exc:  # it loaded before: a top level that fails only sometimes
            facts.notes.append(f"the Bidi requests were not run: the port did not open: {exc}")
    for scenario in options.scenarios:
        say(f"vendor scenario {scenario.name}")
        facts.vendor[scenario.name] = _one(
            driver,
            DeviceSource.from_fixture(f"scenario {scenario.name}", scenario.fixture),
            JobSpec(
                f"vendor:{scenario.name}",
                scenario.description,
                scenario.job if scenario.job is not None else job,
                expect=scenario.outcome,
                cancel_after_s=scenario.cancel_after,
            ),
        )
    return facts


def _load(facts: Facts, settings: PipelineSettings) -> None:
    assert facts.script is not None
    try:
        engine = ScriptEngine(facts.script, settings.limits, VirtualClock())
    except ScriptLoadError as exc:
        facts.load_error = str(exc)
        facts.load_failure = "toplevel" if "failed while loading" in str(exc) else "syntax"
        return
    facts.entry_points = dict(engine.entry_points)
    engine.close()


def _base_fixture(spec: str, facts: Facts) -> DeviceFixture:
    """The vendor's printer as a fixture, for the matrix; the built-in one for Python models."""
    model = open_device(spec, VirtualClock()).model
    if isinstance(model, FixturePrinter):
        return model.fixture
    facts.notes.append(
        f"--device {spec} is not a declarative fixture: the device matrix uses the built-in simulated printer"
    )
    return default_fixture()


def _one(driver: DriverSetup, device: DeviceSource, spec: JobSpec) -> JobRun:
    return run_jobs(driver, device, [spec])[0]


def _gather_jobs(
    facts: Facts, driver: DriverSetup, base: DeviceFixture, job: bytes, say: Callable[[str], None]
) -> None:
    matrix = device_matrix(base, len(job))
    fast_device = DeviceSource.from_fixture("fast", quiet(base))
    for scenario in matrix:
        say(f"scenario {scenario.name}: {scenario.title}")
        facts.matrix[scenario.name] = _run_scenario(driver, scenario, job)
        if scenario.name == "fast" and not facts.matrix["fast"].completed:
            facts.notes.append(
                "the job does not complete on the fast printer: the rest of the matrix was not run"
            )
            break
    say("empty job")
    facts.empty = _one(driver, fast_device, JobSpec("empty", "an empty job (0 bytes)", b""))
    fast = facts.fast
    if fast is None or not fast.completed:
        return
    say("two jobs on one port")
    facts.consecutive = run_jobs(
        driver,
        fast_device,
        [
            JobSpec("first-job", "first of two jobs on one port", job),
            JobSpec("second-job", "second of two jobs on one port", job),
        ],
    )
    for size in OTHER_BUFFER_SIZES:
        say(f"{size}-byte WritePort buffers")
        facts.buffers[size] = _one(
            driver.with_settings(buffer_size=size),
            fast_device,
            JobSpec(f"buffers-{size}", f"{size}-byte WritePort buffers", job),
        )
    say("script reloaded before every call")
    facts.fresh_engine = _one(
        driver.with_settings(fresh_engine_per_call=True),
        fast_device,
        JobSpec("fresh-engine", "script reloaded before every call", job),
    )
    facts.fresh_engine.fresh_engines = True


def _run_scenario(driver: DriverSetup, scenario: Scenario, job: bytes) -> JobRun:
    return _one(
        driver,
        DeviceSource.from_fixture(scenario.name, scenario.fixture),
        JobSpec(scenario.name, scenario.title, job, scenario.expect, scenario.cancel_after_s),
    )


def _gather_bidi(
    driver: DriverSetup, device: DeviceSource, base: DeviceFixture, schema: BidiSchema, facts: Facts
) -> BidiFacts:
    bidi = BidiFacts()
    with BidiPort(driver, device) as port:
        bidi.get_all = port.bidi_get([ROOT])
    answers = {r.path: r.value for r in bidi.get_all.results if r.error is None}
    by_key: dict[str, list[str]] = {}
    for value in schema.values.values():
        if value.kind == "Value" and value.gettable:
            by_key.setdefault(value.request_key, []).append(value.path)
    for key, paths in by_key.items():
        with BidiPort(driver, device) as port:
            bidi.get_each[key] = port.bidi_get(paths)
    with BidiPort(driver, device) as port:
        for value in schema.values.values():
            target = bidi.set_settable if value.kind == "Value" and value.settable else bidi.set_read_only
            target[value.path] = port.bidi_set(value.path, _set_value(value, answers.get(value.path)))
    if "getSchemas" in facts.entry_points:
        with BidiPort(driver, DeviceSource.from_fixture("silent", silent(base))) as port:
            bidi.silent = port.bidi_get([ROOT])
        with BidiPort(driver.with_settings(fresh_engine_per_call=True), device) as port:
            bidi.fresh_get_all = port.bidi_get([ROOT])
    return bidi


def _set_value(value: DeclaredValue, answered: Any) -> Any:
    """What to set: the value the printer has now when it can be read, else a neutral one."""
    if answered is None:
        return _SET_DEFAULTS.get(value.type, "")
    if value.type == "BIDI_BLOB" and isinstance(answered, list):
        return bytes(answered).hex()
    return answered


# -- results -------------------------------------------------------------------------------------
