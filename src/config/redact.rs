//! Settings for display: secrets in them masked.

/// The URI with any user information replaced, for display.
pub fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else { return uri.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{}", &rest[end..]),
        None => uri.to_string(),
    }
}

/// A shell command for display: the value of any word naming a password, secret or token
/// (`--password=x`, `--password x`, `NEO4J_PASSWORD=x`) is masked.
pub fn redact_command(command: &str) -> String {
    let sensitive = |word: &str| {
        let lower = word.to_ascii_lowercase();
        ["password", "passwd", "secret", "token"].iter().any(|s| lower.contains(s))
    };
    let mut out = Vec::new();
    let mut mask_next = false;
    for word in command.split(' ') {
        if mask_next && !word.is_empty() {
            out.push("***".to_string());
            mask_next = false;
            continue;
        }
        match word.split_once('=') {
            Some((name, _)) if sensitive(name) => out.push(format!("{name}=***")),
            None if sensitive(word) && word.starts_with('-') => {
                out.push(word.to_string());
                mask_next = true;
            }
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}
