//! Reporters: one function per output format.
