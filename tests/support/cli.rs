//! Runs the real `cymig` binary, as a user's shell would, without colours.
use std::path::Path;
use std::process::{Command, Output};

pub fn cymig(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cymig")
}
