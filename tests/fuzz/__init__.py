"""Fuzzing suite: hostile inputs must end in success or one clean error line (issue 16).

Quick slice: ``make test``. Full campaign (>= 10,000 cases): ``make fuzz`` (``ILRS_FUZZ_CASES=full``).
"""
