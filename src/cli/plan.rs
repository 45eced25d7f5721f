use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct PlanArgs {}

pub fn run(_args: PlanArgs) -> CommandResult {
    super::not_yet("plan")
}
