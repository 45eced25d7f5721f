use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct LintArgs {}

pub fn run(_args: LintArgs) -> CommandResult {
    super::not_yet("lint")
}
