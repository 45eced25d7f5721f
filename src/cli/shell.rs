//! `cymig completions <shell>` and `cymig man`: what a package manager (or a user) installs
//! next to the binary. Both are generated from the clap definition, so they never drift from
//! the real flags.

use super::{Cli, CommandResult};
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(clap::Args, Debug)]
#[command(after_help = "Install, for example:\n  \
                        bash: cymig completions bash > ~/.local/share/bash-completion/completions/cymig\n  \
                        zsh:  cymig completions zsh > \"${fpath[1]}/_cymig\"\n  \
                        fish: cymig completions fish > ~/.config/fish/completions/cymig.fish")]
pub struct CompletionsArgs {
    /// The shell to print the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Install, for example: cymig man > ~/.local/share/man/man1/cymig.1")]
pub struct ManArgs {}

pub fn completions(args: CompletionsArgs) -> CommandResult {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "cymig", &mut out);
    super::write_stdout(&out)
}

pub fn man(_: ManArgs) -> CommandResult {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out).map_err(|e| io_error("rendering the man page", e))?;
    super::write_stdout(&out)
}

pub(super) fn io_error(what: &str, source: std::io::Error) -> crate::error::Error {
    crate::error::Error::Io { path: what.into(), source }
}
