# The isolation walk's objects of each tenant, for the mutation checks.
from tests.isolation.conftest import foreign, foreign_values, own  # noqa: F401
