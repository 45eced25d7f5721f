//! Down derivation: an inverse for each statement kind, applied in reverse order.
