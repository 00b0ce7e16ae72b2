"""Science data on the station: production by experiments, one shared on-board store, the downlink.

Experiments on elements in science mode produce at their rates into one shared store; the link
empties it at the downlink rate of each step (relays or direct-to-Earth, from
:attr:`~ilrs.operations.model.OperationsInputs.downlink_rate_bps`); what exceeds the store's
capacity is lost. Returns and losses are attributed to (owner, area) groups in proportion to
their share of the store. Nothing is produced in a step of survival failure.

(Named ``datastore`` so as not to be read as :mod:`ilrs.data`, the packaged datasets.)
"""

from __future__ import annotations

import numpy as np

from ilrs.operations.model import ALARM_HYSTERESIS, MODE_FAILURE, AlarmParams, ElementParams, Event, ExperimentParams


class DataStore:
    """The store's content per (owner, area) group, what each group produced, returned and lost,
    and the per-step series (bit)."""

    def __init__(self, experiments: tuple[ExperimentParams, ...], capacity_bit: float, n_steps: int):
        self.experiments = experiments
        self.capacity_bit = capacity_bit
        self.groups: list[tuple[str, str]] = sorted({(x.owner, x.area) for x in experiments})
        self.group_index = {g: k for k, g in enumerate(self.groups)}
        self.stored_bit = [0.0] * len(self.groups)
        self.produced_bit = [0.0] * len(self.groups)
        self.returned_bit = [0.0] * len(self.groups)
        self.lost_bit = [0.0] * len(self.groups)
        self.total_bit = 0.0
        self.backlog_alarm = False
        self.s_stored_bit = np.zeros(n_steps)
        self.s_produced_bit = np.zeros(n_steps)
        self.s_returned_bit = np.zeros(n_steps)
        self.s_lost_bit = np.zeros(n_steps)

    def production_bit(self, order: list[ElementParams], n_levels: int, dt_s: float) -> list[list[float]]:
        """Data produced in one step per group at each ladder level: an element produces science data
        while it is in science mode, i.e. for levels ``j ≤`` its position in the shedding ``order``."""
        pos = {e.name: i for i, e in enumerate(order)}
        prod = [[0.0] * len(self.groups) for _ in range(n_levels)]
        for x in self.experiments:
            if x.element not in pos:
                continue
            g = self.group_index[(x.owner, x.area)]
            for j in range(0, pos[x.element] + 1):
                prod[j][g] += x.rate_bps * dt_s
        return prod

    def group_rows(self) -> list[dict]:
        return [{"owner": o, "area": a, "produced_bit": self.produced_bit[q], "returned_bit": self.returned_bit[q],
                 "lost_bit": self.lost_bit[q], "stored_bit": self.stored_bit[q]}
                for q, (o, a) in enumerate(self.groups)]

    def advance(self, i0: int, levels: list[int], modes: list[int], link_bit: list[float],
                prod_levels: list[list[float]], alarms: AlarmParams, events: list[Event], dt_s: float) -> None:
        """Steps ``i0 …``: produce at each step's served ladder level (``levels``, ``modes`` from the
        power dispatch), send up to ``link_bit`` per step, lose what overflows the store (the
        compiled :func:`ilrs.operations._kernels.data_steps`, or this loop: ``ILRS_KERNELS=numpy``)."""
        from ilrs._compiled import use_compiled

        if use_compiled() and len(levels) and self.groups:
            return self._advance_compiled(i0, levels, modes, link_bit, prod_levels, alarms, events, dt_s)
        prod_tot = [sum(r) for r in prod_levels]
        cap_data = self.capacity_bit
        g_st, g_ret, g_lost, g_prod = self.stored_bit, self.returned_bit, self.lost_bit, self.produced_bit
        rng_g = range(len(g_st))
        data = self.total_bit
        bl_hi = alarms.data_backlog_above * cap_data
        bl_lo = max(0.0, alarms.data_backlog_above - ALARM_HYSTERESIS) * cap_data  # clears at or below
        data_l, prod_l, ret_l, lost_l = [], [], [], []
        for k, (j, mode, r) in enumerate(zip(levels, modes, link_bit)):
            pt = prod_tot[j] if mode != MODE_FAILURE else 0.0
            total = data + pt
            if total <= 0.0:
                prod_l.append(0.0); ret_l.append(0.0); lost_l.append(0.0); data_l.append(0.0)
                data = 0.0
                if self.backlog_alarm:  # an empty store always clears the backlog alarm
                    self.backlog_alarm = False
                    events.append(Event((i0 + k) * dt_s, "alarm-cleared", "data-storage", "backlog 0.00"))
                continue
            if pt > 0.0:
                row = prod_levels[j]
                for q in rng_g:
                    x = row[q]
                    g_st[q] += x
                    g_prod[q] += x
            if r >= total:  # the link empties the store
                for q in rng_g:
                    g_ret[q] += g_st[q]
                    g_st[q] = 0.0
                ret, lost, data = total, 0.0, 0.0
            else:
                ret = r
                lost = total - r - cap_data
                if lost < 0.0:
                    lost = 0.0
                keep = (total - ret - lost) / total
                if ret > 0.0 or lost > 0.0:
                    fr, fl = ret / total, lost / total
                    for q in rng_g:
                        s = g_st[q]
                        g_ret[q] += s * fr
                        g_lost[q] += s * fl
                        g_st[q] = s * keep
                data = total - ret - lost
            prod_l.append(pt); ret_l.append(ret); lost_l.append(lost); data_l.append(data)
            if not self.backlog_alarm and data > bl_hi:
                self.backlog_alarm = True
                events.append(Event((i0 + k) * dt_s, "alarm", "data-storage",
                                    f"backlog {data / cap_data:.2f} of capacity"))
            elif self.backlog_alarm and data <= bl_lo:
                self.backlog_alarm = False
                events.append(Event((i0 + k) * dt_s, "alarm-cleared", "data-storage", f"backlog {data / cap_data:.2f}"))
        self.total_bit = data
        sl = slice(i0, i0 + len(levels))
        self.s_stored_bit[sl] = data_l
        self.s_produced_bit[sl] = prod_l
        self.s_returned_bit[sl] = ret_l
        self.s_lost_bit[sl] = lost_l

    def _advance_compiled(self, i0: int, levels, modes, link_bit, prod_levels: list[list[float]],
                          alarms: AlarmParams, events: list[Event], dt_s: float) -> None:
        from ilrs.operations._kernels import ALARM_CLEARED_EMPTY, ALARM_RAISED, data_steps

        cap = self.capacity_bit
        state = [np.array(v, dtype=float) for v in (self.stored_bit, self.returned_bit, self.lost_bit,
                                                     self.produced_bit)]
        data_l, prod_l, ret_l, lost_l, data, alarm, ev_k, ev_kind, ev_frac = data_steps(
            np.asarray(levels, np.int64), np.asarray(modes, np.int64), np.asarray(link_bit, float),
            np.array(prod_levels, dtype=float), *state, float(self.total_bit), cap, alarms.data_backlog_above * cap,
            max(0.0, alarms.data_backlog_above - ALARM_HYSTERESIS) * cap, bool(self.backlog_alarm))
        self.stored_bit, self.returned_bit, self.lost_bit, self.produced_bit = (v.tolist() for v in state)
        for k, kind, frac in zip(ev_k.tolist(), ev_kind.tolist(), ev_frac.tolist()):
            t = (i0 + k) * dt_s
            if kind == ALARM_RAISED:
                events.append(Event(t, "alarm", "data-storage", f"backlog {frac:.2f} of capacity"))
            else:
                events.append(Event(t, "alarm-cleared", "data-storage",
                                    "backlog 0.00" if kind == ALARM_CLEARED_EMPTY else f"backlog {frac:.2f}"))
        self.total_bit, self.backlog_alarm = float(data), bool(alarm)
        sl = slice(i0, i0 + len(levels))
        self.s_stored_bit[sl] = data_l
        self.s_produced_bit[sl] = prod_l
        self.s_returned_bit[sl] = ret_l
        self.s_lost_bit[sl] = lost_l
