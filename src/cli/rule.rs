use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct RuleArgs {}

pub fn run(_args: RuleArgs) -> CommandResult {
    super::not_yet("rule")
}
