use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct HashArgs {}

pub fn run(_args: HashArgs) -> CommandResult {
    super::not_yet("hash")
}
