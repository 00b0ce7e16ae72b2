"""The ILRS consortium: partners, the instruments they signed, sources; queries over time.

>>> import datetime as dt
>>> from ilrs.consortium import default_registry
>>> reg = default_registry()
>>> [m.party.name for m in reg.members(as_of=dt.date(2021, 12, 31))]
['China', 'Russia']

Public surface: :class:`Registry` (``members``, ``memberships``, ``find``, ``agreements_of``,
``member_count_series``, ``artemis_count``,
``artemis_status``, ``date_of``, ``date_claims``, ``last_dated_fact``), :func:`default_registry`, :func:`partner_ids`,
:class:`ReportedDate`, :data:`MEMBER_KINDS`.
"""

from ilrs.consortium.dates import ReportedDate
from ilrs.consortium.models import MEMBER_KINDS
from ilrs.consortium.registry import Membership, Registry, default_registry, partner_ids

__all__ = ["MEMBER_KINDS", "Membership", "Registry", "ReportedDate", "default_registry", "partner_ids"]
