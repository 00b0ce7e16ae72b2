"""Things counted on site as SimPy containers: the spares of each element, the crew members present.

A :class:`Stock` is a :class:`simpy.Container` (its ``level`` is the count) that a process can
also wait on without taking anything: a failed element waits for a spare to be on site and for a
crew to be present, but takes the spare only when its repair starts and never takes the crew.

Ordering matters here. A process waiting with ``yield container.get(1)`` resumes one event after
the ``put`` that fills it (SimPy grants pending gets when the put event is processed), and a
second waiter only after the first has given its unit back: with one crew member arriving while
two crew-only repairs wait and a spare for a third element arriving at the same instant, the
third repair would start between the two others. Repairs that start together also end together
and then draw their next times to failure from the shared generator, so the draw order, the
results and the event log would change. :meth:`Stock.restocked` is one event, triggered in the
same call as the ``put``: every waiter resumes where the delivery or arrival is in the event
queue, in the order the waiters started waiting (as with the single event each count had before).
"""

from __future__ import annotations

import simpy


class Stock(simpy.Container):
    """A count on site with no upper bound; ``add``/``take`` change it at once."""

    def __init__(self, env: simpy.Environment, init: int = 0):
        super().__init__(env, capacity=float("inf"), init=init)
        self._restocked = env.event()

    def restocked(self) -> simpy.Event:
        """An event triggered by the next :meth:`add` (of any amount, even none)."""
        return self._restocked

    def add(self, amount: int) -> None:
        """Put ``amount`` (≥ 0) on site now and wake the processes waiting for :meth:`restocked`."""
        if amount > 0:
            self.put(amount)  # granted at once: the capacity is unbounded
        event, self._restocked = self._restocked, self._env.event()
        event.succeed()

    def take(self, amount: int) -> None:
        """Remove ``amount`` now (callers check ``level`` first)."""
        if amount > 0:
            request = self.get(amount)
            assert request.triggered, "take() needs the amount on site"
