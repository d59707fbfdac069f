//! `--output json`: the typed result as its published document, with how the Slack messages
//! went (`notify_start`, `notify`) when there were any.

use serde::Serialize;

use crate::output::{CommandResult, Delivery};
use crate::report::Report;

/// The result's own fields, then the notification members.
#[derive(Serialize)]
struct WithNotify<'a> {
    #[serde(flatten)]
    result: &'a CommandResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_start: Option<&'a Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify: Option<&'a Delivery>,
}

/// The document, pretty-printed (stdout) or on one line (`--github-output`).
pub fn document(report: &Report, pretty: bool) -> String {
    if report.notify_start.is_none() && report.notify.is_none() {
        print(&report.result, pretty)
    } else {
        let document = WithNotify {
            result: &report.result,
            notify_start: report.notify_start.as_ref(),
            notify: report.notify.as_ref(),
        };
        print(&document, pretty)
    }
}

fn print(document: &impl Serialize, pretty: bool) -> String {
    if pretty {
        serde_json::to_string_pretty(document)
    } else {
        serde_json::to_string(document)
    }
    .expect("results serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ErrorResult;

    #[test]
    fn notification_members_follow_the_result_and_are_absent_when_none() {
        let mut report = Report::of(CommandResult::Error(ErrorResult::new(
            "deploy",
            1,
            "no".into(),
        )));
        assert_eq!(
            document(&report, false),
            r#"{"command":"deploy","result":"error","exit_code":1,"reason":"no"}"#
        );
        report.notify = Some(Delivery::Skipped { reason: "x".into() });
        assert_eq!(
            document(&report, false),
            r#"{"command":"deploy","result":"error","exit_code":1,"reason":"no","notify":{"result":"skipped","reason":"x"}}"#
        );
        assert_eq!(document(&Report::of(CommandResult::None), false), "null");
    }
}
