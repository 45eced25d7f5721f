//! `cymig.toml`: found by walking up from the linted path; CLI flags override it.

/// The effective settings.
#[derive(Clone, Debug, Default)]
pub struct Config {}
