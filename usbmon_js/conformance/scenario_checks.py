"""Vendor scenarios as checks: `SCEN-<name>` passes when the job ends as the scenario file expects
and, when it says so, the printer received exactly the expected bytes (scenario_files.py)."""

from __future__ import annotations

from usbmon_js.conformance.checks import Check, Evidence, Verdict, judge, skipped
from usbmon_js.conformance.evidence import byte_difference, outcome_evidence
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.conformance.scenario_files import VendorScenario, sha256


def vendor_check(scenario: VendorScenario) -> Check:
    """The check for one vendor scenario; the runner ran it as `facts.vendor[scenario.name]`."""
    expected = f"the job ends {scenario.outcome}"
    if scenario.expected_bytes is not None or scenario.expected_sha256 is not None:
        expected += " and the printer receives exactly the expected bytes"

    def evaluate(facts: Facts) -> Verdict:
        if why := facts.unavailable():
            return skipped(why)
        run = facts.vendor.get(scenario.name)
        if run is None:
            return skipped("the scenario was not run")
        return _verdict(scenario, run)

    return Check(
        scenario.check_id,
        "scenario",
        "mandatory",
        scenario.description,
        f"The vendor's own expectation, from {scenario.source}: {expected}.",
        evaluate,
    )


def _verdict(scenario: VendorScenario, run: JobRun) -> Verdict:
    received = run.device_bytes
    problems: list[Evidence] = []
    if run.outcome != scenario.outcome:
        problems += outcome_evidence(run)
    if scenario.expected_bytes is not None:
        difference = byte_difference(scenario.expected_bytes, received)
        if difference is not None:
            problems.append(
                Evidence(
                    message="the printer did not receive the expected bytes",
                    scenario=run.label,
                    bytes=difference,
                )
            )
    digest = sha256(received)
    if scenario.expected_sha256 is not None and digest != scenario.expected_sha256:
        problems.append(
            Evidence(
                message="the printer's bytes do not have the expected SHA-256",
                scenario=run.label,
                bytes=f"{len(received)} bytes, sha256 {digest}, expected {scenario.expected_sha256}",
            )
        )
    checked_bytes = scenario.expected_bytes is not None or scenario.expected_sha256 is not None
    ok = Evidence(
        message=f"{run.outcome} as expected" + (", printer bytes as expected" if checked_bytes else ""),
        scenario=run.label,
        bytes=f"{len(received)} bytes to the printer",
    )
    return judge(problems, ok)
