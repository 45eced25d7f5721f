use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct DeriveDownArgs {}

pub fn run(_args: DeriveDownArgs) -> CommandResult {
    super::not_yet("derive-down")
}
