"""The seller's order system: where cancelbot reports what it did."""
