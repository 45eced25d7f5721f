//! The rule catalogue: one file per rule with its docs, and the registry that owns codes and names.
