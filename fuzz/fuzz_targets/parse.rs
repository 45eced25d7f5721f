//! `cargo +nightly fuzz run parse`: the parser must not panic, overflow or hang on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is the caller's concern (files are decoded before parsing); lossy
    // decoding still exercises the grammar with the replacement character.
    let text = String::from_utf8_lossy(data);
    let script = cymig::syntax::parse(&text);
    for error in &script.errors {
        assert!(error.span.end <= text.len() && error.span.start <= error.span.end);
        assert!(!error.message.is_empty());
    }
    for statement in &script.statements {
        assert!(statement.span.end <= text.len());
    }
});
