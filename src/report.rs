//! What a command hands back: its typed result, and what the views need besides it.

use crate::error::Error;
use crate::output::{CommandResult, Delivery};

#[derive(Debug)]
pub struct Report {
    /// The result every view renders (human, `--output json`, Slack, GitHub, summary).
    pub result: CommandResult,
    /// Why the command did not succeed, when it did not.
    pub failure: Option<Error>,
    /// The last log lines of the task, for notifications and the summary.
    pub log_tail: Vec<String>,
    /// The last service events, for notifications and the summary.
    pub events: Vec<String>,
    /// How the `--notify-start` message went.
    pub notify_start: Option<Delivery>,
    /// How the `--notify` message went.
    pub notify: Option<Delivery>,
}

impl Report {
    /// A report of a result and nothing else.
    pub fn of(result: CommandResult) -> Self {
        Report {
            result,
            failure: None,
            log_tail: vec![],
            events: vec![],
            notify_start: None,
            notify: None,
        }
    }

    /// A command that failed before it had a result of its own.
    pub fn error(command: &'static str, error: Error) -> Self {
        let mut report = Report::of(CommandResult::Error(crate::output::ErrorResult::new(
            command,
            error.code(),
            error.to_string(),
        )));
        report.failure = Some(error);
        report
    }

    pub fn exit_code(&self) -> i32 {
        self.failure.as_ref().map_or(0, Error::code)
    }
}
