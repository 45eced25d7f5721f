use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct ParseArgs {}

pub fn run(_args: ParseArgs) -> CommandResult {
    super::not_yet("parse")
}
