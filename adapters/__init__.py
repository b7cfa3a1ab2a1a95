"""Implementations of core's ports: the database, marketplace clients, the order system."""
