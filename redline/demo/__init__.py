"""The simulated news outlet behind ``redline demo`` and the end-to-end tests.

A real crawler needs a real-looking site to prove that it flags quiet edits and ignores page
churn; :class:`~redline.demo.outlet.SimulatedOutlet` is that site, served on 127.0.0.1 with a
fixed, seedable edit script. Stdlib only.
"""

from redline.demo.outlet import OutletEvent, SimulatedOutlet

__all__ = ["OutletEvent", "SimulatedOutlet"]
