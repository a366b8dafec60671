"""`usbmon-js lint`: static ES5/Windows-compatibility and host-API findings for driver scripts."""

from usbmon_js.lint.findings import Finding, LintReport, Rule, RuleInfo, Severity
from usbmon_js.lint.rules import all_rules
from usbmon_js.lint.runner import lint_script, lint_source

__all__ = ["Finding", "LintReport", "Rule", "RuleInfo", "Severity", "all_rules", "lint_script", "lint_source"]
