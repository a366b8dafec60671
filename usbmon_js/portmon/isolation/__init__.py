"""Process isolation: each port's script engine runs in a worker process of its own.

A crash or a wedged native call in the engine then kills only that worker: the job ends
`failed` with the reason and the exact byte count (kept in shared memory as bytes reach the
device), the port starts a new worker for the next request, and other ports carry on.
"""

from usbmon_js.portmon.isolation.port import IsolatedPort
from usbmon_js.portmon.isolation.recipe import PortRecipe

__all__ = ["IsolatedPort", "PortRecipe"]
