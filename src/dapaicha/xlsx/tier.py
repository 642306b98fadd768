"""Whose report a rollup writes: the city's (its counties) or one county's (本县: its townships)."""

from __future__ import annotations

from dataclasses import dataclass

from dapaicha.config.checklist import Campaign

CITY, COUNTY = "市", "县"


@dataclass(frozen=True)
class Tier:
    """The unit the outputs speak for; blank office and phone fall back to the campaign's."""

    level: str = CITY  # 县 or 市 (dapaicha.yaml unit.level, rollup --level)
    name: str = ""  # the unit's name: in a 县 view, its county as the roster spells it
    office: str = ""
    phone: str = ""

    @property
    def is_county(self) -> bool:
        return self.level == COUNTY

    def office_of(self, c: Campaign) -> str:
        return self.office or c.office

    def phone_of(self, c: Campaign) -> str:
        return self.phone or c.phone


CITY_TIER = Tier()
