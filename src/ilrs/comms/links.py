"""Radio link budgets: free-space loss, antenna gain, noise, required Eb/N0 -> achievable data rate.

    C/N0 [dB-Hz] = P_tx + G_tx - L_fs - L_misc + G_rx - 10 log10(T_sys) - 10 log10(k)
    R [bit/s]    = 10^((C/N0 - Eb/N0_required - margin) / 10), then capped by the band allocation
                   (x 1 bit/s/Hz) and by the modem ceiling

with L_fs = 20 log10(4 pi d f / c) (Friis 1946) and G = eta (pi D f / c)^2 for a parabolic
dish of diameter D and aperture efficiency eta (Sklar, *Digital Communications*, 2nd ed., 2001,
sec. 5.3-5.5; k = 1.380649e-23 J/K, i.e. -228.6 dBW/K/Hz). Band centre frequencies are in the
CCSDS lunar allocations (CCSDS 401.0-B: S 2200-2290 MHz, X 8450-8500 MHz, Ka 25.5-27 GHz).
All functions are vectorized over distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ilrs.constants import SPEED_OF_LIGHT_M_S
from ilrs.errors import InputError

BOLTZMANN_J_K = 1.380649e-23

BAND_FREQUENCY_HZ = {"S": 2.25e9, "X": 8.475e9, "Ka": 26.0e9}
"""Centre frequencies used for each band (CCSDS 401.0-B lunar allocations)."""


BAND_ALLOCATION_HZ = {"S": 90e6, "X": 50e6, "Ka": 1.5e9}
"""Width of the space-research allocations used near the Moon (S 2200-2290 MHz, X 8450-8500 MHz,
Ka 25.5-27 GHz; CCSDS 401.0-B / ITU-R SA.1015): a link cannot use more spectrum than this."""


def band_frequency_hz(band: str) -> float:
    try:
        return BAND_FREQUENCY_HZ[band]
    except KeyError:
        raise InputError(f"unknown band {band!r}", field="band", allowed=sorted(BAND_FREQUENCY_HZ)) from None


def free_space_loss_db(distance_m, frequency_hz) -> np.ndarray:
    """L_fs = 20 log10(4 pi d f / c), dB (Friis)."""
    return 20.0 * np.log10(4.0 * np.pi * np.asarray(distance_m, float) * frequency_hz / SPEED_OF_LIGHT_M_S)


def dish_gain_dbi(diameter_m: float, frequency_hz: float, efficiency: float = 0.55) -> float:
    """Gain of a parabolic dish, eta (pi D f / c)^2, dBi."""
    return float(10.0 * np.log10(efficiency * (np.pi * diameter_m * frequency_hz / SPEED_OF_LIGHT_M_S) ** 2))


@dataclass(frozen=True)
class LinkBudget:
    """One link: transmitter, receiver, band, and what the modem and coding need.

    ``required_ebn0_db`` defaults to 2.5 dB (CCSDS rate-1/2 LDPC at a frame error rate ~1e-5,
    CCSDS 130.1-G); ``margin_db`` (3 dB) and ``misc_losses_db`` (pointing, polarization,
    atmosphere, implementation: 3 dB) are planning allowances.
    """

    band: str
    tx_power_w: float
    tx_antenna_diameter_m: float
    rx_antenna_diameter_m: float
    system_noise_temperature_k: float
    max_rate_bps: float
    required_ebn0_db: float = 2.5
    margin_db: float = 3.0
    misc_losses_db: float = 3.0
    efficiency: float = 0.55
    spectral_efficiency_bps_hz: float = 1.0

    @property
    def frequency_hz(self) -> float:
        return band_frequency_hz(self.band)

    def cn0_dbhz(self, distance_m) -> np.ndarray:
        f = self.frequency_hz
        eirp = 10 * np.log10(self.tx_power_w) + dish_gain_dbi(self.tx_antenna_diameter_m, f, self.efficiency)
        g_over_t = dish_gain_dbi(self.rx_antenna_diameter_m, f, self.efficiency) - 10 * np.log10(
            self.system_noise_temperature_k)
        return (eirp - free_space_loss_db(distance_m, f) - self.misc_losses_db + g_over_t
                - 10 * np.log10(BOLTZMANN_J_K))

    def budget_rate_bps(self, distance_m) -> np.ndarray:
        """Rate the link budget supports (no modem ceiling), bit/s."""
        return 10.0 ** ((self.cn0_dbhz(distance_m) - self.required_ebn0_db - self.margin_db) / 10.0)

    @property
    def spectrum_limit_bps(self) -> float:
        """The band allocation times the modulation's spectral efficiency (1 bit/s/Hz: QPSK with
        rate-1/2 coding)."""
        return BAND_ALLOCATION_HZ[self.band] * self.spectral_efficiency_bps_hz

    def rate_bps(self, distance_m) -> np.ndarray:
        """Achievable rate: the budget rate capped by the band's spectrum and by ``max_rate_bps``."""
        return np.minimum(self.budget_rate_bps(distance_m), min(self.max_rate_bps, self.spectrum_limit_bps))

    def as_dict(self, distance_m: float) -> dict:
        """Every term of the budget at ``distance_m``: what goes in (power, dishes, noise
        temperature, required Eb/N0, margin, losses) and what comes out (C/N0, rates)."""
        f = self.frequency_hz
        return {"band": self.band, "frequency_ghz": f / 1e9, "distance_km": distance_m / 1e3,
                "tx_power_w": float(self.tx_power_w), "tx_power_dbw": float(10 * np.log10(self.tx_power_w)),
                "tx_antenna_diameter_m": float(self.tx_antenna_diameter_m),
                "rx_antenna_diameter_m": float(self.rx_antenna_diameter_m),
                "noise_temperature_k": float(self.system_noise_temperature_k),
                "required_ebn0_db": float(self.required_ebn0_db), "margin_db": float(self.margin_db),
                "misc_losses_db": float(self.misc_losses_db),
                "fspl_db": float(free_space_loss_db(distance_m, f)),
                "tx_gain_dbi": dish_gain_dbi(self.tx_antenna_diameter_m, f, self.efficiency),
                "rx_gain_dbi": dish_gain_dbi(self.rx_antenna_diameter_m, f, self.efficiency),
                "cn0_dbhz": float(self.cn0_dbhz(distance_m)),
                "budget_rate_mbps": float(self.budget_rate_bps(distance_m)) / 1e6,
                "spectrum_limit_mbps": self.spectrum_limit_bps / 1e6,
                "modem_limit_mbps": float(self.max_rate_bps) / 1e6 if np.isfinite(self.max_rate_bps) else None,
                "rate_mbps": float(self.rate_bps(distance_m)) / 1e6}
