"""Compiled (numba) kernels of the operations layer's two step loops; the Python loops they replace
stay the reference (``ILRS_KERNELS=numpy``), and the tests compare the two value for value.

* :func:`dispatch_steps` — the power dispatch of :func:`ilrs.operations.power._dispatch_units`
  (serve the policy's ladder level, charge or draw the usable units in order), the same arithmetic
  in the same order, so the results are bitwise equal; with one unit, the draw of the one-unit loop
  (:func:`ilrs.operations.power._dispatch_one_unit`; the rest is the same arithmetic: 0 + x = x, the
  min of the same three values).
* :func:`data_steps` — the science-data store of :meth:`ilrs.operations.datastore.DataStore.advance`
  (produce at the served level, send up to the link's bits, lose the overflow, attribute returns
  and losses to the groups in proportion), with the backlog alarms returned as (step, kind, backlog)
  rows for the caller to turn into events.

Selected by :func:`ilrs._compiled.use_compiled`; each is called once per stretch between discrete
events (a few hundred times per run), over a few thousand steps each.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

MODE_FULL, MODE_SHEDDING, MODE_SURVIVAL, MODE_FAILURE = 0, 1, 2, 3  # as ilrs.operations.model
ALARM_RAISED, ALARM_CLEARED, ALARM_CLEARED_EMPTY = 0, 1, 2


@nb.njit(cache=True)
def _policy_level(g_w, supply_w, frac, levels_w, m, science_below, nominal_below):
    """:func:`ilrs.operations.power._policy_level`, line for line."""
    if frac >= science_below or m == 0:
        jp = 0
    elif frac >= nominal_below:
        jp = min(m, max(1, math.ceil((science_below - frac) / (science_below - nominal_below) * m)))
    else:
        jp = 2 * m
    last = levels_w.size - 1
    jg = 1
    while jg < last and levels_w[jg] > g_w:
        jg += 1
    j = jp if jp < jg else jg
    while levels_w[j] > supply_w:
        j += 1
    return j


@nb.njit(cache=True)
def dispatch_steps(gen_w, levels_w, n_shed, energy_j, capacity_j, floor_j, eta_c, eta_d, pmax_w,
                   science_below, nominal_below, dt):
    """The dispatch of every step of ``gen_w`` (W); ``energy_j`` (the usable units' energy, in order)
    is updated in place. Returns (served W, curtailed J, stored J, mode, level, unit J (n, units),
    [curtailed sum, losses, survival not served] J)."""
    n, nu = gen_w.size, energy_j.size
    top, surv, last = levels_w[0], levels_w[-1], levels_w.size - 1
    usable_cap = 0
    for q in range(nu):
        usable_cap += capacity_j[q] - floor_j[q]
    served_l, curt_l, stored_l = np.empty(n), np.empty(n), np.empty(n)
    mode_l, level_l = np.empty(n, np.int64), np.empty(n, np.int64)
    unit_l = np.empty((n, nu))
    curtailed_sum = losses_sum = ens_surv = 0.0
    for k in range(n):
        g = gen_w[k]
        if g >= top:
            j, served, mode = 0, top, MODE_FULL
        else:
            avail = usable = 0.0
            for q in range(nu):
                a = (energy_j[q] - floor_j[q]) * eta_d[q] / dt
                avail += (pmax_w[q] if a > pmax_w[q] else a) if a > 0.0 else 0.0
                usable += energy_j[q] - floor_j[q]
            supply = g + avail
            if supply < surv:
                j, served, mode = last, supply, MODE_FAILURE
                ens_surv += (surv - supply) * dt
            else:
                j = _policy_level(g, supply, usable / usable_cap if usable_cap > 0.0 else 0.0, levels_w, n_shed,
                                  science_below, nominal_below)
                served = levels_w[j]
                mode = MODE_FULL if j == 0 else (MODE_SURVIVAL if j == last else MODE_SHEDDING)
        net = g - served
        if net >= 0.0:
            for q in range(nu):
                if net <= 0.0:
                    break
                p = min(net, pmax_w[q], (capacity_j[q] - energy_j[q]) / (eta_c[q] * dt))
                if p > 0.0:
                    energy_j[q] += p * eta_c[q] * dt
                    losses_sum += p * (1.0 - eta_c[q]) * dt
                    net -= p
            curt = net * dt
            curtailed_sum += curt
        elif nu == 1:  # the one-unit loop's draw: the whole deficit (served ≤ supply), clamped at the floor
            d = -net
            curt = 0.0
            energy_j[0] -= d * dt / eta_d[0]
            losses_sum += d * dt * (1.0 / eta_d[0] - 1.0)
            if energy_j[0] < floor_j[0]:
                energy_j[0] = floor_j[0]
        else:
            d = -net
            curt = 0.0
            for q in range(nu):
                if d <= 0.0:
                    break
                a = (energy_j[q] - floor_j[q]) * eta_d[q] / dt
                p = min(d, pmax_w[q], a if a > 0.0 else 0.0)
                if p > 0.0:
                    energy_j[q] -= p * dt / eta_d[q]
                    losses_sum += p * dt * (1.0 / eta_d[q] - 1.0)
                    d -= p
        stored = 0
        for q in range(nu):
            unit_l[k, q] = energy_j[q]
            stored += energy_j[q]
        served_l[k], curt_l[k], stored_l[k], mode_l[k], level_l[k] = served, curt, stored, mode, j
    return served_l, curt_l, stored_l, mode_l, level_l, unit_l, np.array([curtailed_sum, losses_sum, ens_surv])


@nb.njit(cache=True)
def data_steps(levels, modes, link_bit, prod_levels, g_st, g_ret, g_lost, g_prod, data, capacity_bit,
               backlog_hi, backlog_lo, alarm):
    """The data store over the steps: group state arrays updated in place. Returns (stored, produced,
    returned, lost) bit per step, the store's content after the last step, the alarm state and the
    alarm rows (step, ALARM_*, backlog fraction)."""
    n, ng = levels.size, g_st.size
    prod_tot = np.empty(prod_levels.shape[0])
    for j in range(prod_levels.shape[0]):
        s = 0
        for q in range(ng):
            s += prod_levels[j, q]
        prod_tot[j] = s
    data_l, prod_l, ret_l, lost_l = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    ev_k, ev_kind, ev_frac = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    n_ev = 0
    for k in range(n):
        j, r = levels[k], link_bit[k]
        pt = prod_tot[j] if modes[k] != MODE_FAILURE else 0.0
        total = data + pt
        if total <= 0.0:
            prod_l[k], ret_l[k], lost_l[k], data_l[k] = 0.0, 0.0, 0.0, 0.0
            data = 0.0
            if alarm:
                alarm = False
                ev_k[n_ev], ev_kind[n_ev], ev_frac[n_ev] = k, ALARM_CLEARED_EMPTY, 0.0
                n_ev += 1
            continue
        if pt > 0.0:
            for q in range(ng):
                x = prod_levels[j, q]
                g_st[q] += x
                g_prod[q] += x
        if r >= total:
            for q in range(ng):
                g_ret[q] += g_st[q]
                g_st[q] = 0.0
            ret, lost, data = total, 0.0, 0.0
        else:
            ret = r
            lost = total - r - capacity_bit
            if lost < 0.0:
                lost = 0.0
            keep = (total - ret - lost) / total
            if ret > 0.0 or lost > 0.0:
                fr, fl = ret / total, lost / total
                for q in range(ng):
                    s = g_st[q]
                    g_ret[q] += s * fr
                    g_lost[q] += s * fl
                    g_st[q] = s * keep
            data = total - ret - lost
        prod_l[k], ret_l[k], lost_l[k], data_l[k] = pt, ret, lost, data
        if not alarm and data > backlog_hi:
            alarm = True
            ev_k[n_ev], ev_kind[n_ev], ev_frac[n_ev] = k, ALARM_RAISED, data / capacity_bit
            n_ev += 1
        elif alarm and data <= backlog_lo:
            alarm = False
            ev_k[n_ev], ev_kind[n_ev], ev_frac[n_ev] = k, ALARM_CLEARED, data / capacity_bit
            n_ev += 1
    return data_l, prod_l, ret_l, lost_l, data, alarm, ev_k[:n_ev], ev_kind[:n_ev], ev_frac[:n_ev]
