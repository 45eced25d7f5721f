use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {}

pub fn run(_args: ConfigArgs) -> CommandResult {
    super::not_yet("config")
}
