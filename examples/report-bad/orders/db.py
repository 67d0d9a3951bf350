"""Database models and connection."""
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_engine("postgresql://orders@db/orders")


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    customer = Column(String)


Base.metadata.create_all(engine)


def connection():
    return engine.connect()
