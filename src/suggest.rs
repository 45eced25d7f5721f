//! "Did you mean …?": the one edit distance behind every suggestion cymig makes (configuration
//! keys, misspelt keywords, undefined variables).

/// Levenshtein distance in characters (insertions, deletions and substitutions each cost 1).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The candidate nearest `word` (ignoring case) when it is close enough to be a typo of it:
/// one edit for words of up to four characters, two for longer ones. Ties go to the first.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for the closest candidate, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{closest, edit_distance};

    #[test]
    fn suggests_only_close_candidates() {
        let rules = ["unbatched-write", "label-less-scan", "exists-function"];
        assert_eq!(closest("unbatched-writes", rules), Some("unbatched-write"));
        assert_eq!(closest("Label-Less-Scan", rules), Some("label-less-scan"));
        assert_eq!(closest("no-such-rule", rules), None);
        assert_eq!(closest("ab", ["id"]), None);
    }

    #[test]
    fn counts_single_character_edits() {
        assert_eq!(edit_distance("LIMT", "LIMIT"), 1);
        assert_eq!(edit_distance("MATHC", "MATCH"), 2);
        assert_eq!(edit_distance("selcet", "select"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("personn", "person"), 1);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}
