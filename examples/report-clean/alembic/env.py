"""Alembic environment: migrations run against DATABASE_URL."""
from alembic import context

from shop.db import Base

target_metadata = Base.metadata
context.configure(target_metadata=target_metadata)
