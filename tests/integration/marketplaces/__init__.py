"""Marketplace adapter tests, and fake marketplace servers reusable by benchmarks."""
