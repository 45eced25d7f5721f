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

#[cfg(test)]
mod tests {
    use super::edit_distance;

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
