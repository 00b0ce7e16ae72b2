"""ilrs — an open digital twin of the International Lunar Research Station.

Layers, lowest first (a lower layer never imports a higher one)::

    data → scenario → consortium → environment → comms → campaign → operations → risk → report, cli
"""

__version__ = "0.1.0"
