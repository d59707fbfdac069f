//! The checks of a parsed command line that no single command owns: the run's own output
//! files and the Slack settings it will post with — before the first AWS call, so none of them
//! surfaces only after AWS was changed.

use std::path::Path;

use crate::checks;
use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::read_file;
use crate::slack::message;

/// Every check of `cli` before AWS: a usage error (2) for a malformed value, exit 1 for an
/// output file that cannot be written.
pub fn before_aws(cli: &Cli) -> Result<()> {
    if let Some(path) = &cli.global.github_output {
        appendable(path, "--github-output")?;
    }
    if let Some(path) = &cli.global.summary {
        appendable(path, "--summary")?;
    }
    let slack = &cli.global.slack;
    if let Some(mention) = &slack.mention {
        message::parse_mentions(mention).map_err(Error::Usage)?;
    }
    let posts =
        cli.global.notify || cli.global.notify_start || matches!(cli.command, Command::Notify(_));
    if let (true, Some(url)) = (posts, &slack.webhook_url) {
        checks::webhook_url(url)?;
    }
    if let (true, Some(path)) = (posts, &slack.template) {
        read_file::to_string(path).map_err(|e| {
            Error::Usage(format!("--template: cannot read {}: {e}", path.display()))
        })?;
    }
    Ok(())
}

/// Opens `path` for appending (creating it, as GitHub's runner does), or says why not.
fn appendable(path: &Path, flag: &str) -> Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map(drop)
        .map_err(|e| {
            Error::Other(format!(
                "{flag} {}: cannot open it for appending: {e}",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn checked(args: &[&str]) -> Result<()> {
        before_aws(&Cli::try_parse_from(["ecs-ship"].iter().chain(args)).unwrap())
    }

    #[test]
    fn outputs_that_cannot_be_appended_to_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        assert!(appendable(&dir.path().join("out"), "--github-output").is_ok());
        let error = appendable(&dir.path().join("no/such/dir/out"), "--github-output").unwrap_err();
        assert_eq!(error.code(), 1);
        assert!(error.to_string().contains("no/such/dir/out"), "{error}");
    }

    #[test]
    fn slack_formats_are_usage_errors() {
        assert!(checked(&["notify", "--mention", "@here,U123"]).is_ok());
        for (args, needle) in [
            (&["notify", "--mention", "bob"][..], "--mention"),
            (&["notify", "--webhook-url", "ftp://x/y"], "https://"),
            (
                &["deploy", "--notify", "--template", "/dev/zero"],
                "--template",
            ),
            (&["notify", "--template", "missing.json"], "missing.json"),
            (
                &["deploy", "--notify", "--webhook-url", "ftp://x/y"],
                "https://",
            ),
        ] {
            let error = checked(args).unwrap_err();
            assert_eq!(error.code(), 2, "{args:?}");
            assert!(error.to_string().contains(needle), "{args:?}: {error}");
        }
        // Without a post, a webhook URL is not looked at.
        assert!(checked(&["deploy", "--webhook-url", "ftp://x/y"]).is_ok());
    }
}
