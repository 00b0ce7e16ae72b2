"""The ILRS consortium: partners, the instruments they signed, sources; queries over time.

>>> import datetime as dt
>>> from ilrs.consortium import default_registry
>>> reg = default_registry()
>>> [m.party.name for m in reg.members(as_of=dt.date(2021, 12, 31))]
['China', 'Russia']

Public surface: :class:`Registry` (``members``, ``memberships``, ``find``, ``agreements_of``,
``member_count_series``, ``artemis_count``,
``artemis_status``, ``date_of``, ``date_claims``, ``last_dated_fact``), :func:`default_registry`, :func:`partner_ids`,
:class:`ReportedDate`, :data:`MEMBER_KINDS`; the Artemis Accords (:mod:`ilrs.consortium.accords`):
:func:`load_accords`, :func:`accords_signatories`, :func:`accords_count_series`, :func:`accords_count_on`,
:func:`both_camps`.
"""

from ilrs.consortium.accords import AccordsCount, both_camps, load_accords
from ilrs.consortium.accords import count_on as accords_count_on
from ilrs.consortium.accords import count_series as accords_count_series
from ilrs.consortium.accords import signatories as accords_signatories
from ilrs.consortium.dates import ReportedDate
from ilrs.consortium.models import MEMBER_KINDS
from ilrs.consortium.registry import Membership, Registry, default_registry, partner_ids

__all__ = ["AccordsCount", "accords_count_on", "accords_count_series", "accords_signatories", "both_camps",
           "load_accords", "MEMBER_KINDS", "Membership", "Registry", "ReportedDate", "default_registry", "partner_ids"]
