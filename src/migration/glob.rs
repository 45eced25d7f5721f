//! The one glob matcher, for `lint.exclude` (the walk of a set) and per-path ignores (the checker).

/// Glob matching for per-path ignores: `*` within a path segment, `**` across segments, `?`.
/// A pattern without `/` matches the file name anywhere; patterns match path suffixes so
/// `migrations/legacy/**` works whether the linted path is relative or absolute.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let path = path.trim_start_matches("./");
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return glob(pattern.as_bytes(), name.as_bytes());
    }
    let pattern = pattern.trim_start_matches("./");
    if glob(pattern.as_bytes(), path.as_bytes()) {
        return true;
    }
    // Suffix match at segment boundaries.
    path.match_indices('/').any(|(i, _)| glob(pattern.as_bytes(), &path.as_bytes()[i + 1..]))
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(b'*'), _) if p.get(1) == Some(&b'*') => {
            let rest = if p.get(2) == Some(&b'/') { &p[3..] } else { &p[2..] };
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        (Some(b'*'), _) => (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != b'/').any(|i| glob(&p[1..], &s[i..])),
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}
