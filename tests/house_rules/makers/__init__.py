"""One maker per model that pages or API endpoints list: `MAKERS["app.Model"](side)` creates one new row,
with the relations its list and detail show filled in (so a missing select_related shows up as extra
queries), belonging to one "side" of the organisation.

A side is one supplier with its queue, an internal team that owns a live service the supplier supports,
and people in the roles whose view is restricted. Rows are written directly or with the apps' factory_boy
factories (the services are tested elsewhere; these are fixtures), and each name carries the side's label,
so another side's rows can be recognised in a response.
"""

from tests.house_rules.makers import (  # noqa: F401  (they register)
    catalogue,
    delivery,
    governance,
    knowledge,
    measures,
    operations,
)
from tests.house_rules.makers.base import MAKERS, Side, make, make_side

__all__ = ["MAKERS", "Side", "make", "make_side"]
