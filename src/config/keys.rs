//! The keys of `cymig.toml`.

use crate::suggest::edit_distance;

/// Every table of `cymig.toml` with the keys it accepts, in file order: what the reader checks
/// keys against, and what `cymig config --show` prints (a test holds the two together).
/// `migrations` is a directory or a table; `lint.per-path-ignores` and `lint.severity` take any
/// glob or rule as a key.
pub const KEYS: &[(&str, &[&str])] = &[
    ("", &["migrations", "target", "edition", "lint", "database", "hooks"]),
    ("migrations", &["dir", "layout", "up", "down", "repeatable", "callback", "placeholders"]),
    ("lint", &["select", "ignore", "per-path-ignores", "severity", "batching", "exclude", "extend-exclude"]),
    // `max-unbatched-rows` is read by `cymig up` (it counts a step's driving rows), not by the
    // `unbatched-write` rule, which flags unbounded drivers whatever their size.
    ("lint.batching", &["default-batch-size", "max-unbatched-rows"]),
    (
        "database",
        &["uri", "user", "database", "password-file", "lock-timeout", "lease", "connect-timeout", "request-timeout"],
    ),
    ("hooks", &["pre-up"]),
];

/// The keys `table` accepts (none for a table [`KEYS`] does not list).
pub(super) fn keys_of(table: &str) -> &'static [&'static str] {
    KEYS.iter().find(|(name, _)| *name == table).map_or(&[], |(_, keys)| keys)
}

/// The valid key within edit distance 2 of `key`, for "did you mean".
pub(super) fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid.iter().map(|v| (edit_distance(key, v), *v)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, v)| v)
}
