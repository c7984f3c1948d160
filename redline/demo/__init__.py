"""``redline demo``: the real daemon against a simulated outlet, and that outlet itself.

A real crawler needs a real-looking site to prove that it flags quiet edits and ignores page
churn; :class:`~redline.demo.outlet.SimulatedOutlet` is that site, served on 127.0.0.1 with a
fixed, seedable edit script (stdlib only; the end-to-end tests use it too).
:func:`~redline.demo.walkthrough.run_demo` runs :class:`redline.Redline` against it.
"""

from redline.demo.outlet import OutletEvent, SimulatedOutlet
from redline.demo.walkthrough import run_demo

__all__ = ["OutletEvent", "SimulatedOutlet", "run_demo"]
