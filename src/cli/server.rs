//! `cymig server`: the editor server (Language Server Protocol over stdio).

use super::CommandResult;

#[derive(clap::Args, Debug)]
#[command(after_help = "Speaks the Language Server Protocol on standard input and output; an editor \
starts it (see \"Editor integration\" in the README). Each open file is linted with its whole \
migration set as `cymig lint <file>` lints it, the editor's unsaved text standing in for the file.\n\n\
Exit codes: 0 after the editor's shutdown request, 1 when the input ends or `exit` comes without one.")]
pub struct ServerArgs {
    #[command(flatten)]
    pub flags: super::config::ConfigFlags,
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

pub fn run(args: ServerArgs) -> CommandResult {
    Ok(crate::server::run(args.flags.overrides()))
}
