//! What a command hands back for stdout, `--notify` and the exit code.

use serde_json::Value;

use crate::error::Error;

#[derive(Debug, Default)]
pub struct Report {
    /// The `--output json` document.
    pub json: Value,
    /// What human output prints on stdout (ARNs people pipe onwards).
    pub stdout: Vec<String>,
    /// Why the command did not succeed, when it did not.
    pub failure: Option<Error>,
    /// The last log lines of the task, for notifications.
    pub log_tail: Vec<String>,
    /// The last service events, for notifications.
    pub events: Vec<String>,
}

impl Report {
    pub fn exit_code(&self) -> i32 {
        self.failure.as_ref().map_or(0, Error::code)
    }
}
