//! The shell hook that runs before `up` applies anything.

use super::*;

impl Executor {
    pub(super) fn run_pre_up_hook(&self) -> Result<()> {
        let Some(hook) = &self.options.pre_up_hook else { return Ok(()) };
        self.say(&format!("running the pre-up hook: {hook}"));
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(hook)
            .status()
            .map_err(|e| Error::Config { path: None, message: format!("could not run the pre-up hook: {e}") })?;
        if !status.success() {
            return Err(Error::Config {
                path: None,
                message: format!("the pre-up hook failed ({status}); nothing was applied"),
            });
        }
        Ok(())
    }
}
