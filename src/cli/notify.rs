//! `notify`'s arguments.

use clap::{Args, ValueEnum};

#[derive(Args, Debug, Clone)]
pub struct NotifyArgs {
    /// The outcome to report (default: from the CI job's status when known, else pass).
    #[arg(long, env = "ECS_SHIP_STATUS", value_enum)]
    pub status: Option<NotifyStatus>,

    /// A plain-text message instead of the built-in blocks.
    #[arg(long, env = "ECS_SHIP_TEXT")]
    pub text: Option<String>,
}

/// `success`, `failure` and `cancelled` are GitHub Actions' `job.status` words, so
/// `--status ${{ job.status }}` works as it is.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyStatus {
    /// Work has begun (a deployment, a migration).
    Started,
    /// It succeeded (also `success`).
    #[value(alias = "success")]
    Pass,
    /// It failed (also `failure`).
    #[value(alias = "failure")]
    Fail,
    /// It was cancelled: a neutral message, neither success nor failure (also `canceled`).
    #[value(alias = "canceled")]
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn notify_status_takes_github_job_status_words() {
        let status = |word: &str| {
            let cli = Cli::try_parse_from(["ecs-ship", "notify", "--status", word]).unwrap();
            let Command::Notify(args) = cli.command else {
                panic!("not notify")
            };
            args.status.unwrap()
        };
        assert_eq!(status("success"), NotifyStatus::Pass);
        assert_eq!(status("pass"), NotifyStatus::Pass);
        assert_eq!(status("failure"), NotifyStatus::Fail);
        assert_eq!(status("fail"), NotifyStatus::Fail);
        assert_eq!(status("cancelled"), NotifyStatus::Cancelled);
        assert_eq!(status("canceled"), NotifyStatus::Cancelled);
        assert_eq!(status("started"), NotifyStatus::Started);
        assert!(Cli::try_parse_from(["ecs-ship", "notify", "--status", "ok"]).is_err());
    }
}
