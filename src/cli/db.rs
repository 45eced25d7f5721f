//! Commands that talk to a database.

use super::CommandResult;

#[derive(clap::Args, Debug)]
pub struct StatusArgs {}

pub fn status(_args: StatusArgs) -> CommandResult {
    super::not_yet("status")
}

#[derive(clap::Args, Debug)]
pub struct UpArgs {}

pub fn up(_args: UpArgs) -> CommandResult {
    super::not_yet("up")
}

#[derive(clap::Args, Debug)]
pub struct DownArgs {}

pub fn down(_args: DownArgs) -> CommandResult {
    super::not_yet("down")
}

#[derive(clap::Args, Debug)]
pub struct RetryArgs {}

pub fn retry(_args: RetryArgs) -> CommandResult {
    super::not_yet("retry")
}

#[derive(clap::Args, Debug)]
pub struct MarkAppliedArgs {}

pub fn mark_applied(_args: MarkAppliedArgs) -> CommandResult {
    super::not_yet("mark-applied")
}

#[derive(clap::Args, Debug)]
pub struct RepairArgs {}

pub fn repair(_args: RepairArgs) -> CommandResult {
    super::not_yet("repair")
}

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {}

pub fn validate(_args: ValidateArgs) -> CommandResult {
    super::not_yet("validate")
}

#[derive(clap::Args, Debug)]
pub struct BaselineArgs {}

pub fn baseline(_args: BaselineArgs) -> CommandResult {
    super::not_yet("baseline")
}

#[derive(clap::Args, Debug)]
pub struct UnlockArgs {}

pub fn unlock(_args: UnlockArgs) -> CommandResult {
    super::not_yet("unlock")
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {}

pub fn verify(_args: VerifyArgs) -> CommandResult {
    super::not_yet("verify")
}

